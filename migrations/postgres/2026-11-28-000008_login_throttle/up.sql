-- Failed logins per key ("account:<email>" or "ip:<address>"), so a burst of
-- wrong passwords slows down and then locks, on every instance at once.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);
-- Sessions are looked up by a hash of the cookie and swept per moderator.
CREATE INDEX sessions_moderator ON sessions (moderator_id);
