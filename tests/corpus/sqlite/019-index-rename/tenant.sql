CREATE TABLE logs (id INTEGER PRIMARY KEY, level TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX idx_logs_level ON logs (level, at DESC);
