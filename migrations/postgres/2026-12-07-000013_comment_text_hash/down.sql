DROP INDEX comments_email_status_text;
DROP INDEX comments_post_author_text;
CREATE INDEX comments_post_author ON comments (post_id, author);
ALTER TABLE comments DROP COLUMN body_hash;
