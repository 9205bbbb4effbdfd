DROP INDEX mail_outbox_comment;
ALTER TABLE mail_outbox DROP COLUMN comment_id;
ALTER TABLE mail_outbox DROP COLUMN kind;
