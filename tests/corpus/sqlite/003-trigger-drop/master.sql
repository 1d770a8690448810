-- drop: a trigger only the tenant has
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
