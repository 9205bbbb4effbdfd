-- How moderation mail reaches each moderator: `each` held comment at once,
-- a `digest` per window (the default, for moderators who were already here
-- too: a wave of held spam used to mail every one of them once per comment),
-- or `off`. `moderation_mailed_at` is when their last moderation e-mail was
-- taken for sending, from which their digest window runs.
ALTER TABLE moderators ADD COLUMN moderation_mail TEXT NOT NULL DEFAULT 'digest';
ALTER TABLE moderators ADD COLUMN moderation_mailed_at TIMESTAMP;
-- A digest takes every waiting e-mail of one recipient at once; without this
-- it would read every waiting e-mail of everyone.
CREATE INDEX mail_outbox_waiting ON mail_outbox (recipient, next_attempt_at) WHERE sent_at IS NULL AND NOT dead;
