DROP INDEX spent_challenges_expiry;
DROP TABLE spent_challenges;
