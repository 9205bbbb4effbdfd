-- Fills a fresh Replydesk database fast, straight in SQL that runs unchanged on
-- SQLite and PostgreSQL: 100 posts sharing :COMMENTS comments (90 % approved),
-- and a post "listing" with exactly 200 approved comments, 20 of them replies.
-- The comments are months old, so their IP addresses are NULL: the retention
-- sweep (REPLYDESK_IP_RETENTION_DAYS, 30 by default) would have erased them,
-- and a seed that kept them had the first server erase a million of them
-- during the measured runs (docs/performance.md, "The benchmark's seed and addresses").
--
-- :SENDERS = 0 gives every comment an address of its own. Otherwise the
-- comments come from :SENDERS commenters drawn from a Zipf distribution (the
-- commenter k = floor((SENDERS + 1) ^ u) for u uniform in [0, 1), so commenter
-- k writes about 1/k of the comments: with 10,000 commenters the first has 7.5 %
-- of them, a million comments give it 75,000), and 5 % from a spammer with 20
-- addresses, stored as spam and dated today: the server empties spam older than
-- REPLYDESK_EMPTY_SPAM_DAYS, and would delete older spam during the runs
-- (docs/performance.md, "Repeat senders").
-- SQLite needs its math functions (exp, ln, floor), which Debian's has.
--
-- body_hash stands in for the text's SHA-256 prefix, which SQLite cannot
-- compute in SQL: distinct per comment, as real ones are; no seeded text is
-- ever sent again.
INSERT INTO posts (post_key, title, url, comments_open, version, created_at)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99)
SELECT 'bench-post-' || i, 'Bench post ' || i, 'http://localhost/bench-post-' || i || '/', (1 = 1), 1,
       '2026-01-01 00:00:00'
FROM n;

INSERT INTO posts (post_key, title, url, comments_open, version, created_at)
VALUES ('listing', 'Listing', 'http://localhost/listing/', (1 = 1), 1, '2026-01-01 00:00:00');

INSERT INTO comments (post_id, parent_id, depth, author, email, url, body, body_hash, status,
                      reasons, ip, user_agent, subscribed, created_at, updated_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :COMMENTS),
-- Who wrote comment i: 0 for an address of its own, -1 to -20 for one of the
-- spammer's, else the commenter's number.
who(i, k) AS (
    SELECT i, CASE
        WHEN :SENDERS = 0 THEN 0
        WHEN (i * 7) % 100 < 5 THEN -1 - ((i / 100) % 20)
        ELSE CAST(floor(exp(((i * 2654435761) % 1000003) / 1000003.0 * ln(:SENDERS + 1))) AS INTEGER)
    END FROM n)
SELECT (SELECT id FROM posts WHERE post_key = 'bench-post-' || (i % 100)), NULL, 0,
       CASE WHEN k = 0 THEN 'Seeded reader ' || i WHEN k < 0 THEN 'Cheap Pills' ELSE 'Commenter ' || k END,
       CASE WHEN k = 0 THEN 'seed' || i || '@example.com'
            WHEN k < 0 THEN 'offers' || (-k) || '@spam.example'
            ELSE 'commenter' || k || '@example.com' END,
       '',
       'Seeded comment number ' || i || ', long enough to look like a real one.',
       (i * 2654435761) % 9223372036854775783,
       CASE WHEN k < 0 THEN 'spam' WHEN i % 10 = 0 THEN 'pending' ELSE 'approved' END, '',
       NULL, 'Mozilla/5.0', (1 = 0),
       CASE WHEN k < 0 THEN CURRENT_TIMESTAMP ELSE '2026-01-02 00:00:00' END,
       CASE WHEN k < 0 THEN CURRENT_TIMESTAMP ELSE '2026-01-02 00:00:00' END
FROM who;

INSERT INTO comments (post_id, parent_id, depth, author, email, url, body, body_hash, status,
                      reasons, ip, user_agent, subscribed, created_at, updated_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 180)
SELECT (SELECT id FROM posts WHERE post_key = 'listing'), NULL, 0,
       'Listing reader ' || i, 'listing' || i || '@example.com', 'https://reader.example/' || i,
       'A top-level comment ' || i || '

with two paragraphs and a link: https://example.com/' || i,
       -1 - i, 'approved', '', NULL, 'Mozilla/5.0', (1 = 0),
       '2026-01-03 00:00:00', '2026-01-03 00:00:00'
FROM n;

INSERT INTO comments (post_id, parent_id, depth, author, email, url, body, body_hash, status,
                      reasons, ip, user_agent, subscribed, created_at, updated_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
SELECT (SELECT id FROM posts WHERE post_key = 'listing'),
       (SELECT MIN(id) FROM comments WHERE author = 'Listing reader ' || i), 1,
       'Replier ' || i, 'replier' || i || '@example.com', '', 'A reply ' || i || '.',
       -1000 - i, 'approved', '', NULL, 'Mozilla/5.0', (1 = 0),
       '2026-01-04 00:00:00', '2026-01-04 00:00:00'
FROM n;

UPDATE posts SET version = version + 1, approved_count = (
    SELECT COUNT(*) FROM comments WHERE comments.post_id = posts.id AND comments.status = 'approved'
);
