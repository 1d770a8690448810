-- alter: a column comment changed while the AUTO_INCREMENT counters differ (the counter is data: never synced)
CREATE TABLE tickets (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  subject VARCHAR(200) NOT NULL COMMENT 'Shown in the inbox'
) AUTO_INCREMENT=1000;
