-- create: a partial unique index
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, deleted_at TEXT);
CREATE UNIQUE INDEX users_active_email ON users (email) WHERE deleted_at IS NULL;
