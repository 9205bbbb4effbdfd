-- ALTCHA challenges already used by a submission, kept until they expire so
-- one solved challenge buys one comment on every instance. The challenge
-- (the hex hash the widget had to match) names it; a second insert of the
-- same one meets the primary key.
CREATE TABLE spent_challenges (
    challenge TEXT PRIMARY KEY NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
-- The retention sweep deletes what has expired.
CREATE INDEX spent_challenges_expiry ON spent_challenges (expires_at);
