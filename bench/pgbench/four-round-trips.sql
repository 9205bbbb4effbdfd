-- The same work in four round trips: every check in one SELECT and the three
-- inserts in one data-modifying WITH (PostgreSQL only). Replydesk runs this
-- shape (docs/performance.md, "PostgreSQL submission round trips"), with one
-- difference: it sends the locks with BEGIN, since checks in the same
-- statement as the locks could miss what they waited for; here they stay in
-- the SELECT.
\set n random(1, 2000000000)
\set p random(0, 99)
\set a random(1, 16000000)
BEGIN;
SELECT (SELECT value FROM settings WHERE name = 'rules_version'), p.id, p.comments_open, pg_advisory_xact_lock(:a), pg_advisory_xact_lock(:n), EXISTS (SELECT 1 FROM comments WHERE status != 'trash' AND ((email = 'r' || :n || '@example.com' AND (post_id + 0) = p.id) OR (post_id = p.id AND author = 'Reader ' || :n))), (SELECT max(created_at) FROM comments WHERE (ip = '10.0.' || :a AND created_at > now() - interval '1 second') OR (email = 'r' || :n || '@example.com' AND created_at > now() - interval '1 second')) FROM posts p WHERE post_key = 'bench-post-' || :p;
WITH c AS (INSERT INTO comments (post_id, parent_id, depth, author, email, url, body, body_hash, status, reasons, ip, user_agent, subscribed, created_at, updated_at) SELECT (SELECT id FROM posts WHERE post_key = 'bench-post-' || :p), NULL, 0, 'Reader ' || :n, 'r' || :n || '@example.com', '', 'Benchmark reply ' || :n || ' with some ordinary words in it.', :n, 'pending', 'held', '10.0.' || :a, 'wrk', false, now(), now() RETURNING id), a AS (INSERT INTO audit_log (comment_id, actor, from_status, to_status, reason, created_at) SELECT id, 'rules', NULL, 'pending', 'held', now() FROM c) INSERT INTO mail_outbox (kind, comment_id, recipient, next_attempt_at, created_at) SELECT 'moderate', c.id, m.email, now(), now() FROM c, moderators m;
COMMIT;
