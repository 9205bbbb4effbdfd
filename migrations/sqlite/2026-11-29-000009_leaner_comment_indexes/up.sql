-- Every new comment is written into each of its table's indexes, on the one
-- writer thread that every submission waits for, so each index must earn it.
-- Imported comments alone have a source id, and replies alone a parent: the
-- rest need no entry in those indexes.
DROP INDEX comments_source;
CREATE UNIQUE INDEX comments_source ON comments (source_id) WHERE source_id IS NOT NULL;
DROP INDEX comments_parent;
CREATE INDEX comments_parent ON comments (parent_id) WHERE parent_id IS NOT NULL;
-- The duplicate rule finds a commenter's earlier comments by email through
-- comments_email_created, which the flood rule needs anyway.
DROP INDEX comments_post_email;
