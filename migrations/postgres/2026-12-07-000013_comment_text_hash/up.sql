-- See the SQLite migration of the same name: the first eight bytes of the
-- text's SHA-256, big-endian, as a signed 64-bit integer. The default, as on
-- SQLite, is for rows written by hand; Replydesk always writes the hash.
ALTER TABLE comments ADD COLUMN body_hash BIGINT NOT NULL DEFAULT 0;
UPDATE comments
   SET body_hash = ('x' || left(encode(sha256(convert_to(body, 'UTF8')), 'hex'), 16))::bit(64)::bigint;
DROP INDEX comments_post_author;
CREATE INDEX comments_post_author_text ON comments (post_id, author, body_hash);
CREATE INDEX comments_email_status_text ON comments (email, status, body_hash, post_id);
