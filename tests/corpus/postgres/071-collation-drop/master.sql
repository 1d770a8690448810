-- drop: a collation only the tenant has
CREATE TABLE cities (id integer PRIMARY KEY, name text NOT NULL);
