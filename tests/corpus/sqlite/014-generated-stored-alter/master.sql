-- alter: a generated column STORED with another expression (needs a table rebuild)
CREATE TABLE order_lines (
  id INTEGER PRIMARY KEY,
  quantity INTEGER NOT NULL,
  unit_price REAL NOT NULL,
  discount REAL NOT NULL DEFAULT 0,
  line_total REAL GENERATED ALWAYS AS (quantity * unit_price * (1 - discount)) STORED
);
