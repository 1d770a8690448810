CREATE SCHEMA extensions;
CREATE EXTENSION pg_trgm;
CREATE TABLE documents (id integer PRIMARY KEY, title text NOT NULL);
