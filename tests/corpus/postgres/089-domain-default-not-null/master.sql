-- alter: a domain's default and NOT NULL
CREATE DOMAIN quantity AS integer NOT NULL DEFAULT 1 CHECK (VALUE > 0);
CREATE TABLE cart_items (id integer PRIMARY KEY, qty quantity);
