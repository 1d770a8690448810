CREATE TABLE files (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  extension TEXT GENERATED ALWAYS AS (lower(substr(path, instr(path, '.') + 1))) VIRTUAL
);
