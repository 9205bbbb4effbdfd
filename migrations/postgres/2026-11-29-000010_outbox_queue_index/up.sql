-- Only the e-mails still to send, in the order the worker claims them, so a
-- claim reads as many index entries as it takes however long the queue and
-- however many e-mails were ever sent; the few given up on have their own.
DROP INDEX mail_outbox_due;
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at, id) WHERE sent_at IS NULL AND NOT dead;
CREATE INDEX mail_outbox_dead ON mail_outbox (id) WHERE dead;
