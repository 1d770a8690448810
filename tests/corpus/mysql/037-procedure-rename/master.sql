-- rename: the same procedure under another name on the tenant
CREATE TABLE jobs (id INT NOT NULL PRIMARY KEY, state VARCHAR(20) NOT NULL);
DELIMITER //
CREATE PROCEDURE requeue_failed_jobs()
  MODIFIES SQL DATA
BEGIN
  UPDATE jobs SET state = 'queued' WHERE state = 'failed';
END//
DELIMITER ;
