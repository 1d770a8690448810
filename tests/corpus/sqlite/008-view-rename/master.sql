-- rename: the same view under another name on the tenant
CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL NOT NULL);
CREATE VIEW large_orders AS SELECT id, total FROM orders WHERE total > 1000;
