-- create: a PL/pgSQL procedure
CREATE TABLE orders (id bigint PRIMARY KEY, placed_on date NOT NULL);
CREATE TABLE orders_archive (id bigint PRIMARY KEY, placed_on date NOT NULL);
CREATE PROCEDURE archive_orders(before date)
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO orders_archive SELECT * FROM orders WHERE placed_on < before;
    DELETE FROM orders WHERE placed_on < before;
END
$$;
