CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL);
CREATE SCHEMA legacy;
CREATE TABLE legacy.old_customers (id integer PRIMARY KEY, name text);
