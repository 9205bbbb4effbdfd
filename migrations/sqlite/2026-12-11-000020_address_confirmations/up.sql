-- Addresses that asked for e-mail (reply notifications, or the notice that
-- a comment is published), each known only by an HMAC of the address under a
-- key derived from the instance secret: nothing here gives the address back.
-- A row is a request until `confirmed_at` is set; an unconfirmed one expires
-- seven days after its last confirmation e-mail, and then its subscriptions
-- go with it. `ip` is the address that asked last, kept only while it counts
-- toward the per-IP bound on confirmation e-mails.
CREATE TABLE address_confirmations (
    address_key TEXT PRIMARY KEY NOT NULL,
    mailed_at TIMESTAMP NOT NULL,
    ip TEXT,
    confirmed_at TIMESTAMP
);
CREATE INDEX address_confirmations_ip_mailed ON address_confirmations (ip, mailed_at);
CREATE INDEX address_confirmations_unconfirmed ON address_confirmations (mailed_at)
    WHERE confirmed_at IS NULL;
