-- create: an expression index (lower(email)) and a descending index with a collation
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL);
CREATE INDEX users_email_lower ON users (lower(email));
CREATE INDEX users_name ON users (name COLLATE NOCASE DESC);
