-- rename: the same table CHECK under another name on the tenant
CREATE TABLE discounts (
  id INT NOT NULL PRIMARY KEY,
  percent INT NOT NULL,
  CONSTRAINT discounts_percent_range CHECK (percent BETWEEN 1 AND 90)
);
