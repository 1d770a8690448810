-- drop: a schema (and its table) only the tenant has
CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL);
