-- The worker writes each message when it sends it (see 000007_mail_kinds), so
-- these columns have only ever been written empty since; rows from before
-- have no kind, and the worker skips them without reading these either.
ALTER TABLE mail_outbox DROP COLUMN subject;
ALTER TABLE mail_outbox DROP COLUMN body_text;
ALTER TABLE mail_outbox DROP COLUMN body_html;
