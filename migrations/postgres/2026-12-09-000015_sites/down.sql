DROP TABLE moderator_sites;
ALTER TABLE moderators DROP COLUMN owner;
DELETE FROM posts WHERE site_id <> 1;
DROP INDEX posts_site_key;
ALTER TABLE posts ADD CONSTRAINT posts_post_key_key UNIQUE (post_key);
ALTER TABLE posts DROP COLUMN site_id;
INSERT INTO settings (name, value, updated_at)
SELECT 'rule.' || name, value, updated_at FROM site_settings WHERE site_id = 1;
DROP TABLE site_settings;
DROP TABLE sites;
