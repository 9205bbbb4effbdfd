DROP INDEX moderator_sites_site;
DROP TABLE moderator_sites;
ALTER TABLE moderators DROP COLUMN owner;
DELETE FROM posts WHERE site_id <> 1;
CREATE TABLE posts_alone (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    post_key TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    comments_open BOOLEAN NOT NULL DEFAULT 1,
    closes_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    approved_count BIGINT NOT NULL DEFAULT 0,
    thread_count BIGINT NOT NULL DEFAULT 0
);
INSERT INTO posts_alone (id, post_key, title, url, comments_open, closes_at, version,
                         created_at, approved_count, thread_count)
SELECT id, post_key, title, url, comments_open, closes_at, version, created_at,
       approved_count, thread_count
FROM posts;
DROP TABLE posts;
ALTER TABLE posts_alone RENAME TO posts;
INSERT INTO settings (name, value, updated_at)
SELECT 'rule.' || name, value, updated_at FROM site_settings WHERE site_id = 1;
DROP TABLE site_settings;
DROP TABLE sites;
