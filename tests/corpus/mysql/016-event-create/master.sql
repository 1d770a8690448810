-- create: a recurring event with a fixed start, ON COMPLETION PRESERVE and a comment
CREATE TABLE sessions (id BIGINT NOT NULL PRIMARY KEY, expires_at DATETIME NOT NULL);
CREATE EVENT purge_expired_sessions
  ON SCHEDULE EVERY 1 HOUR STARTS '2030-01-01 00:00:00'
  ON COMPLETION PRESERVE
  ENABLE
  COMMENT 'Hourly cleanup'
  DO DELETE FROM sessions WHERE expires_at < NOW();
