-- alter: a CHECK constraint's condition and a column's collation (needs a table rebuild)
CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  sku TEXT NOT NULL COLLATE NOCASE,
  price INTEGER NOT NULL,
  CONSTRAINT products_price CHECK (price >= 0 AND price < 1000000)
);
CREATE UNIQUE INDEX products_sku ON products (sku);
