DROP INDEX sessions_moderator;
DROP TABLE login_throttle;
