DROP INDEX mail_outbox_dead;
DROP INDEX mail_outbox_due;
CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, dead, next_attempt_at);
