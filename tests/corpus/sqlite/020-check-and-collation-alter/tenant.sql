CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  sku TEXT NOT NULL,
  price INTEGER NOT NULL,
  CONSTRAINT products_price CHECK (price >= 0)
);
CREATE UNIQUE INDEX products_sku ON products (sku);
