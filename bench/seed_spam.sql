-- A spam filter that has learned from 2,000 spam and 8,000 published comments,
-- for the default site: 50,000 clues with made-up counts, and the words the
-- benchmark's replies (and its spammer's pitch) use, so every submission is
-- scored the way a trained filter scores it, with real clues heard and
-- combined. Applied only by a build that has the filter (bench/run.sh).
INSERT INTO spam_filters (site_id, spam, ham, generation, epoch) VALUES (1, 2000, 8000, 1, 0);

INSERT INTO spam_tokens (site_id, token, spam, ham, generation)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
SELECT 1, 'w:seedword' || i, (i * 7) % 40, (i * 13) % 160, 1 FROM n;

INSERT INTO spam_tokens (site_id, token, spam, ham, generation) VALUES
    (1, 'w:benchmark', 5, 900, 1), (1, 'w:reply', 40, 1800, 1), (1, 'w:with', 900, 4000, 1),
    (1, 'w:some', 300, 2500, 1), (1, 'w:ordinary', 2, 300, 1), (1, 'w:words', 30, 700, 1),
    (1, 'p:benchmark reply', 1, 400, 1), (1, 'p:some ordinary', 0, 120, 1),
    (1, 'p:ordinary words', 0, 150, 1), (1, 'p:words in', 10, 200, 1),
    (1, 'w:best', 700, 300, 1), (1, 'w:prices', 900, 20, 1), (1, 'w:today', 800, 400, 1),
    (1, 'p:best prices', 600, 2, 1), (1, 'h:pills.example', 1500, 0, 1),
    (1, 'links:no links', 200, 7000, 1), (1, 'links:one link', 1300, 800, 1),
    (1, 'length:50 to 200 characters', 900, 5000, 1), (1, 'script:latin', 1900, 7900, 1),
    (1, 'u:none', 1200, 6000, 1);
