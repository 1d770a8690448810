CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL NOT NULL);
CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 1000;
