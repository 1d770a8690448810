CREATE EXTENSION hstore;
CREATE TABLE settings (id integer PRIMARY KEY, data jsonb NOT NULL DEFAULT '{}');
