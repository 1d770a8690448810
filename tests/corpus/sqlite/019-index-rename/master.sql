-- rename: the same index under another name on the tenant
CREATE TABLE logs (id INTEGER PRIMARY KEY, level TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX logs_level_at ON logs (level, at DESC);
