-- alter: an inline column CHECK on the master, the same condition as a named table CHECK on the tenant
CREATE TABLE order_items (
  id INT NOT NULL PRIMARY KEY,
  quantity INT NOT NULL CHECK (quantity > 0),
  price DECIMAL(10,2) NOT NULL
);
