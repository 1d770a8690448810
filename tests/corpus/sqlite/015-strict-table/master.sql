-- alter: a table STRICT on the master, not on the tenant
CREATE TABLE measurements (
  id INTEGER PRIMARY KEY,
  sensor TEXT NOT NULL,
  value REAL NOT NULL,
  raw BLOB
) STRICT;
