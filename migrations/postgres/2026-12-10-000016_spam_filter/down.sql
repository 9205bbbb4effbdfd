ALTER TABLE comments DROP COLUMN spam_trained;
ALTER TABLE comments DROP COLUMN spam_clues;
ALTER TABLE comments DROP COLUMN spam_reasons;
ALTER TABLE comments DROP COLUMN spam_score;
DROP TABLE spam_filters;
DROP TABLE spam_tokens;
