-- One instance serves several blogs ("sites"). Everything stored so far
-- belongs to the site `default`, whose origins stay those of
-- REPLYDESK_ALLOWED_ORIGINS until someone sets them (`origins` NULL).
CREATE TABLE sites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    origins TEXT,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO sites (id, name, title, origins, created_at)
VALUES (1, 'default', '', NULL, CURRENT_TIMESTAMP);

-- A site's rule settings as changed at run time; the rest come from the
-- configuration. The rules moderators had changed are the default site's.
CREATE TABLE site_settings (
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (site_id, name)
);
INSERT INTO site_settings (site_id, name, value, updated_at)
SELECT 1, substr(name, 6), value, updated_at FROM settings WHERE name LIKE 'rule.%';
DELETE FROM settings WHERE name LIKE 'rule.%';

-- Post keys are unique within a site. SQLite cannot drop the inline UNIQUE,
-- so the table is rebuilt (foreign keys are off while migrations run).
CREATE TABLE posts_by_site (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id BIGINT NOT NULL DEFAULT 1 REFERENCES sites (id),
    post_key TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    comments_open BOOLEAN NOT NULL DEFAULT 1,
    closes_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    approved_count BIGINT NOT NULL DEFAULT 0,
    thread_count BIGINT NOT NULL DEFAULT 0
);
INSERT INTO posts_by_site (id, site_id, post_key, title, url, comments_open, closes_at,
                           version, created_at, approved_count, thread_count)
SELECT id, 1, post_key, title, url, comments_open, closes_at, version, created_at,
       approved_count, thread_count
FROM posts;
-- Ids are never handed out twice, even those of posts since deleted.
UPDATE sqlite_sequence
SET seq = (SELECT seq FROM sqlite_sequence WHERE name = 'posts')
WHERE name = 'posts_by_site';
DROP TABLE posts;
ALTER TABLE posts_by_site RENAME TO posts;
CREATE UNIQUE INDEX posts_site_key ON posts (site_id, post_key);

-- A moderator is an owner (every site, and the instance's settings) or is
-- scoped to the sites listed here. Every moderator so far is an owner.
ALTER TABLE moderators ADD COLUMN owner BOOLEAN NOT NULL DEFAULT 1;
CREATE TABLE moderator_sites (
    moderator_id BIGINT NOT NULL REFERENCES moderators (id) ON DELETE CASCADE,
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    PRIMARY KEY (moderator_id, site_id)
);
CREATE INDEX moderator_sites_site ON moderator_sites (site_id);
