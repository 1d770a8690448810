CREATE TABLE discounts (
  id INT NOT NULL PRIMARY KEY,
  percent INT NOT NULL,
  CONSTRAINT chk_percent CHECK (percent BETWEEN 1 AND 90)
);
