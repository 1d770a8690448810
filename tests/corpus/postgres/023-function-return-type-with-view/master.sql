-- alter: a function's return type changed while a view uses it (drop and create both)
CREATE TABLE products (id integer PRIMARY KEY, net_cents integer NOT NULL);
CREATE FUNCTION gross_price(net_cents integer) RETURNS numeric
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT round(net_cents * 1.19 / 100.0, 2) $$;
CREATE VIEW product_prices AS SELECT id, gross_price(net_cents) AS gross FROM products;
