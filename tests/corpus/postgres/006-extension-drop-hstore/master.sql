-- drop: extension hstore only the tenant has
CREATE TABLE settings (id integer PRIMARY KEY, data jsonb NOT NULL DEFAULT '{}');
