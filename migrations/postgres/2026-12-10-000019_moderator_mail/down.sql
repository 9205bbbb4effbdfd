DROP INDEX mail_outbox_waiting;
ALTER TABLE moderators DROP COLUMN moderation_mailed_at;
ALTER TABLE moderators DROP COLUMN moderation_mail;
