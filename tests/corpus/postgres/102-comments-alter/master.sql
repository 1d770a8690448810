-- alter: comments on a table, a column, an index and a function created or changed
CREATE TABLE customers (id integer PRIMARY KEY, vip boolean NOT NULL DEFAULT false);
CREATE INDEX customers_vip_idx ON customers (id) WHERE vip;
CREATE FUNCTION vip_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM customers WHERE vip $$;
COMMENT ON TABLE customers IS 'Everyone who ever ordered';
COMMENT ON COLUMN customers.vip IS 'Set by the sales team';
COMMENT ON INDEX customers_vip_idx IS 'Small: few VIPs';
COMMENT ON FUNCTION vip_count() IS 'For the dashboard';
