-- alter: a LIST-partitioned table gains a partition and a value
CREATE TABLE customers (
  id INT NOT NULL,
  region_id INT NOT NULL,
  name VARCHAR(100) NOT NULL,
  PRIMARY KEY (id, region_id)
)
PARTITION BY LIST (region_id) (
  PARTITION p_europe VALUES IN (1, 2, 3),
  PARTITION p_america VALUES IN (4, 5),
  PARTITION p_asia VALUES IN (6, 7, 8)
);
