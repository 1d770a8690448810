-- alter: a view's query changed
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, total REAL NOT NULL, status TEXT NOT NULL);
CREATE VIEW open_orders AS
  SELECT id, customer, total FROM orders WHERE status IN ('new', 'paid');
