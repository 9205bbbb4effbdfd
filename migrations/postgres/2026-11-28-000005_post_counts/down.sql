ALTER TABLE posts DROP COLUMN approved_count;
