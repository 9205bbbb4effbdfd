DROP TABLE settings;
DROP TABLE audit_log;
DROP TABLE mail_outbox;
DROP TABLE sessions;
DROP TABLE comments;
DROP TABLE moderators;
DROP TABLE posts;
