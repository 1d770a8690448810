CREATE TABLE customers (
  id INT NOT NULL,
  region_id INT NOT NULL,
  name VARCHAR(100) NOT NULL,
  PRIMARY KEY (id, region_id)
)
PARTITION BY LIST (region_id) (
  PARTITION p_europe VALUES IN (1, 2),
  PARTITION p_america VALUES IN (4, 5)
);
