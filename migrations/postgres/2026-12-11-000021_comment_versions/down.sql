DROP TABLE comment_versions;
