CREATE TABLE order_items (
  id INT NOT NULL PRIMARY KEY,
  quantity INT NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  CONSTRAINT order_items_quantity CHECK (quantity > 0)
);
