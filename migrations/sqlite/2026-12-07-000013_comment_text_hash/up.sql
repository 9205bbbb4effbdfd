-- The duplicate rule looks a comment up by its post, its author or e-mail and a
-- hash of its text, so that the check is one index probe whatever the sender's
-- history (docs/performance.md, "Comment indexes and checks"). The hash is the
-- first eight bytes of the text's SHA-256, big-endian; `replydesk_text_hash` is
-- that function, registered on the connection that runs the migrations. The
-- default is for rows written by hand; Replydesk always writes the hash.
ALTER TABLE comments ADD COLUMN body_hash BIGINT NOT NULL DEFAULT 0;
UPDATE comments SET body_hash = replydesk_text_hash(body);
DROP INDEX comments_post_author;
CREATE INDEX comments_post_author_text ON comments (post_id, author, body_hash);
-- By e-mail: the duplicate rule (every status but trash) and the
-- returning-commenter rule (approved) both start with the address and status.
CREATE INDEX comments_email_status_text ON comments (email, status, body_hash, post_id);
