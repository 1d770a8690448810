CREATE TABLE products (id integer PRIMARY KEY, net_cents integer NOT NULL);
CREATE FUNCTION gross_price(net_cents integer) RETURNS integer
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT (net_cents * 119 / 100) $$;
CREATE VIEW product_prices AS SELECT id, gross_price(net_cents) AS gross FROM products;
