CREATE TABLE measurements (
  id INTEGER PRIMARY KEY,
  sensor TEXT NOT NULL,
  value REAL NOT NULL,
  raw BLOB
);
