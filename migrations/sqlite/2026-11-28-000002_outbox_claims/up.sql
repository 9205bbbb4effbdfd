-- Which worker holds a row while it sends it. The lease (next_attempt_at) lets
-- another instance take over from a worker that died; the claim lets a worker
-- see, before it sends, that its lease ran out and the row is someone else's.
ALTER TABLE mail_outbox ADD COLUMN claimed_by TEXT;
