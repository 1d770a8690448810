CREATE TABLE order_lines (
  id BIGINT NOT NULL PRIMARY KEY,
  quantity INT NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,
  discount DECIMAL(4,2) NOT NULL DEFAULT 0,
  line_total DECIMAL(12,2) AS (quantity * unit_price) VIRTUAL
);
