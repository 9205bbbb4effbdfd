-- The statements one held submission ran on PostgreSQL before they were folded
-- into four round trips (docs/performance.md, "PostgreSQL connection checks" and
-- "PostgreSQL submission round trips"). In order, each its own
-- round trip (pgbench -M prepared): the pool's check on checkout, the rules
-- version, the post, the sender's advisory locks, the duplicate and flood
-- checks, the comment, its audit row, its moderator e-mail.
\set n random(1, 2000000000)
\set p random(0, 99)
\set a random(1, 16000000)
SELECT 1;
BEGIN;
SELECT value FROM settings WHERE name = 'rules_version';
SELECT id, post_key, title, url, comments_open, closes_at, created_at FROM posts WHERE post_key = 'bench-post-' || :p;
SELECT pg_advisory_xact_lock(:a), pg_advisory_xact_lock(:n);
SELECT parent_id, body FROM comments WHERE status != 'trash' AND ((email = 'r' || :n || '@example.com' AND (post_id + 0) = (:p + 1)) OR (post_id = :p + 1 AND author = 'Reader ' || :n));
SELECT max(created_at) FROM comments WHERE (ip = '10.0.' || :a AND created_at > now() - interval '1 second') OR (email = 'r' || :n || '@example.com' AND created_at > now() - interval '1 second');
INSERT INTO comments (post_id, parent_id, depth, author, email, url, body, body_hash, status, reasons, ip, user_agent, subscribed, created_at, updated_at) SELECT (SELECT id FROM posts WHERE post_key = 'bench-post-' || :p), NULL, 0, 'Reader ' || :n, 'r' || :n || '@example.com', '', 'Benchmark reply ' || :n || ' with some ordinary words in it.', :n, 'pending', 'held', '10.0.' || :a, 'wrk', false, now(), now() RETURNING id \gset
INSERT INTO audit_log (comment_id, actor, from_status, to_status, reason, created_at) SELECT :id, 'rules', NULL, 'pending', 'held', now();
INSERT INTO mail_outbox (kind, comment_id, recipient, next_attempt_at, created_at) SELECT 'moderate', :id, email, now(), now() FROM moderators ORDER BY id;
COMMIT;
