-- What Akismet answered about a comment, 'spam' or 'ham'; NULL while it was
-- never asked (Akismet off, not held, or not yet checked). A clue for other
-- filters as much as a record: Akismet itself never publishes a comment.
ALTER TABLE comments ADD COLUMN akismet_verdict TEXT;

-- The questions and reports for Akismet, written in the transaction of the
-- change that causes them and sent by a worker off the request path, as the
-- mail outbox is: a 'check' of a held comment, or a moderator's decision
-- reported back as 'submit-spam' or 'submit-ham'. A row is deleted once
-- Akismet has answered; one given up on stays, marked dead, with its error.
CREATE TABLE akismet_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    comment_id BIGINT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    last_error TEXT,
    dead BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
-- The rows still to send, in the order the worker claims them.
CREATE INDEX akismet_queue_due ON akismet_queue (next_attempt_at, id) WHERE NOT dead;
-- A deleted comment takes its rows with it without reading the whole queue.
CREATE INDEX akismet_queue_comment ON akismet_queue (comment_id);
