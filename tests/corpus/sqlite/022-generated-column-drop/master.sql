-- drop: a VIRTUAL generated column only the tenant has
CREATE TABLE files (id INTEGER PRIMARY KEY, path TEXT NOT NULL);
