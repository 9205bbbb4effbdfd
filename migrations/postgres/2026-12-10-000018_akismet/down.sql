DROP TABLE akismet_queue;
ALTER TABLE comments DROP COLUMN akismet_verdict;
