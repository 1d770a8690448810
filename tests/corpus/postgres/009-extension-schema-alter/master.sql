-- alter: extension pg_trgm lives in schema "extensions" on the master, in public on the tenant
CREATE SCHEMA extensions;
CREATE EXTENSION pg_trgm WITH SCHEMA extensions;
CREATE TABLE documents (id integer PRIMARY KEY, title text NOT NULL);
