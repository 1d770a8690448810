-- create: extension pg_trgm and a trigram GIN index that needs it
CREATE EXTENSION pg_trgm;
CREATE TABLE products (id integer PRIMARY KEY, name text NOT NULL);
CREATE INDEX products_name_trgm ON products USING gin (name gin_trgm_ops);
