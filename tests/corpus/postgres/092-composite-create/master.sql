-- create: a composite type used by a column and by a function's result
CREATE TYPE money_amount AS (amount numeric(14,2), currency char(3));
CREATE TABLE invoices (id integer PRIMARY KEY, total money_amount NOT NULL);
CREATE FUNCTION invoice_total(p_id integer) RETURNS money_amount
    LANGUAGE sql STABLE
    AS $$ SELECT total FROM invoices WHERE id = p_id $$;
