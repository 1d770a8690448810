-- drop: an index only the tenant has
CREATE TABLE logs (id INTEGER PRIMARY KEY, level TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX logs_at ON logs (at);
