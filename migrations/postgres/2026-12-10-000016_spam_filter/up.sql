-- The spam filter learns from moderators' decisions, per site. Each row
-- counts how many comments trained as spam and as ham carried a clue;
-- clues from personal data are HMAC keys, never the data. `generation`
-- is the site's training generation when the row last changed, so every
-- instance reads only what changed since it last looked.
CREATE TABLE spam_tokens (
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    token TEXT NOT NULL,
    spam BIGINT NOT NULL,
    ham BIGINT NOT NULL,
    generation BIGINT NOT NULL,
    PRIMARY KEY (site_id, token)
);
CREATE INDEX spam_tokens_changed ON spam_tokens (site_id, generation);

-- Per site: how many comments it learned from each side, the generation
-- every training moves (and which serialises trainings of one site), and
-- the epoch a reset moves, telling instances to read it all again.
CREATE TABLE spam_filters (
    site_id BIGINT PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
    spam BIGINT NOT NULL,
    ham BIGINT NOT NULL,
    generation BIGINT NOT NULL,
    epoch BIGINT NOT NULL
);

-- What the filter made of each comment when it arrived: its score, the
-- strongest clues in words, the clue keys it will be trained with (kept so
-- taking a decision back untrains exactly what was trained), and the side
-- it is trained as now ('spam', 'ham' or none).
ALTER TABLE comments ADD COLUMN spam_score DOUBLE PRECISION;
ALTER TABLE comments ADD COLUMN spam_reasons TEXT NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN spam_clues TEXT NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN spam_trained TEXT;
