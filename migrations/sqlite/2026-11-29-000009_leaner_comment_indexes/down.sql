CREATE INDEX comments_post_email ON comments (post_id, email);
DROP INDEX comments_parent;
CREATE INDEX comments_parent ON comments (parent_id);
DROP INDEX comments_source;
CREATE UNIQUE INDEX comments_source ON comments (source_id);
