-- Fills a fresh Replydesk database fast, straight in SQL that runs unchanged on
-- SQLite and PostgreSQL: 100 posts sharing :COMMENTS comments (90 % approved),
-- and a post "listing" with exactly 200 approved comments, 20 of them replies.
-- The comments are months old, so their IP addresses are NULL: the retention
-- sweep (REPLYDESK_IP_RETENTION_DAYS, 30 by default) would have erased them,
-- and a seed that kept them had the first server erase a million of them
-- during the measured runs (docs/performance.md, "The benchmark's seed and addresses").
INSERT INTO posts (post_key, title, url, comments_open, version, created_at)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99)
SELECT 'bench-post-' || i, 'Bench post ' || i, 'http://localhost/bench-post-' || i || '/', (1 = 1), 1,
       '2026-01-01 00:00:00'
FROM n;

INSERT INTO posts (post_key, title, url, comments_open, version, created_at)
VALUES ('listing', 'Listing', 'http://localhost/listing/', (1 = 1), 1, '2026-01-01 00:00:00');

INSERT INTO comments (post_id, parent_id, depth, author, email, url, body, status, reasons, ip,
                      user_agent, subscribed, created_at, updated_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :COMMENTS)
SELECT (SELECT id FROM posts WHERE post_key = 'bench-post-' || (i % 100)), NULL, 0,
       'Seeded reader ' || i, 'seed' || i || '@example.com', '',
       'Seeded comment number ' || i || ', long enough to look like a real one.',
       CASE WHEN i % 10 = 0 THEN 'pending' ELSE 'approved' END, '',
       NULL, 'Mozilla/5.0', (1 = 0),
       '2026-01-02 00:00:00', '2026-01-02 00:00:00'
FROM n;

INSERT INTO comments (post_id, parent_id, depth, author, email, url, body, status, reasons, ip,
                      user_agent, subscribed, created_at, updated_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 180)
SELECT (SELECT id FROM posts WHERE post_key = 'listing'), NULL, 0,
       'Listing reader ' || i, 'listing' || i || '@example.com', 'https://reader.example/' || i,
       'A top-level comment ' || i || '

with two paragraphs and a link: https://example.com/' || i,
       'approved', '', NULL, 'Mozilla/5.0', (1 = 0),
       '2026-01-03 00:00:00', '2026-01-03 00:00:00'
FROM n;

INSERT INTO comments (post_id, parent_id, depth, author, email, url, body, status, reasons, ip,
                      user_agent, subscribed, created_at, updated_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
SELECT (SELECT id FROM posts WHERE post_key = 'listing'),
       (SELECT MIN(id) FROM comments WHERE author = 'Listing reader ' || i), 1,
       'Replier ' || i, 'replier' || i || '@example.com', '', 'A reply ' || i || '.',
       'approved', '', NULL, 'Mozilla/5.0', (1 = 0),
       '2026-01-04 00:00:00', '2026-01-04 00:00:00'
FROM n;

UPDATE posts SET version = version + 1, approved_count = (
    SELECT COUNT(*) FROM comments WHERE comments.post_id = posts.id AND comments.status = 'approved'
);
