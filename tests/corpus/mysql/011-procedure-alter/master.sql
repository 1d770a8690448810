-- alter: a procedure's parameters, body and characteristics (SQL SECURITY INVOKER, comment)
CREATE TABLE sessions (id BIGINT NOT NULL PRIMARY KEY, last_seen DATETIME NOT NULL);
DELIMITER //
CREATE PROCEDURE purge_sessions(IN p_days INT)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Delete sessions idle for p_days days'
BEGIN
  DELETE FROM sessions WHERE last_seen < NOW() - INTERVAL p_days DAY;
END//
DELIMITER ;
