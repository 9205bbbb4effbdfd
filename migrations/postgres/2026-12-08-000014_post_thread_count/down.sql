ALTER TABLE posts DROP COLUMN thread_count;
