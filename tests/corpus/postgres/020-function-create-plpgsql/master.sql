-- create: a PL/pgSQL function reading a table
CREATE TABLE order_lines (
    order_id bigint NOT NULL,
    line integer NOT NULL,
    quantity integer NOT NULL,
    unit_price numeric(12,2) NOT NULL,
    PRIMARY KEY (order_id, line)
);
CREATE FUNCTION order_total(p_order_id bigint) RETURNS numeric
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    total numeric;
BEGIN
    SELECT coalesce(sum(quantity * unit_price), 0) INTO total
      FROM order_lines WHERE order_id = p_order_id;
    RETURN total;
END
$$;
