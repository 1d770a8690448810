CREATE TABLE logs (id INTEGER PRIMARY KEY, level TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX logs_at ON logs (at);
CREATE INDEX logs_level ON logs (level);
