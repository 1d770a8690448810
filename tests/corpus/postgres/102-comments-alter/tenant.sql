CREATE TABLE customers (id integer PRIMARY KEY, vip boolean NOT NULL DEFAULT false);
CREATE INDEX customers_vip_idx ON customers (id) WHERE vip;
CREATE FUNCTION vip_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM customers WHERE vip $$;
COMMENT ON TABLE customers IS 'Customers';
