-- alter: a table partitioned BY RANGE COLUMNS on the master, unpartitioned on the tenant
CREATE TABLE orders (
  id BIGINT NOT NULL,
  placed_on DATE NOT NULL,
  total DECIMAL(12,2) NOT NULL,
  PRIMARY KEY (id, placed_on)
)
PARTITION BY RANGE COLUMNS (placed_on) (
  PARTITION p2023 VALUES LESS THAN ('2024-01-01'),
  PARTITION p2024 VALUES LESS THAN ('2025-01-01'),
  PARTITION pmax VALUES LESS THAN (MAXVALUE)
);
