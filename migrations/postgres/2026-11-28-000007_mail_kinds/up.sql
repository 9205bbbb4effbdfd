-- An outbox row says which e-mail about which comment it is; the worker
-- writes the message when it sends it, with links that expire from then.
ALTER TABLE mail_outbox ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_outbox ADD COLUMN comment_id BIGINT;
CREATE INDEX mail_outbox_comment ON mail_outbox (comment_id, kind);
