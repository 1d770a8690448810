CREATE TABLE orders (
  id BIGINT NOT NULL,
  placed_on DATE NOT NULL,
  total DECIMAL(12,2) NOT NULL,
  PRIMARY KEY (id, placed_on)
);
