-- drop: a view only the tenant has
CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL NOT NULL);
