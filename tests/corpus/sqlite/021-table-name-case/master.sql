-- rename: the same table under a name that differs only in case on the tenant (SQLite compares names without case)
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
