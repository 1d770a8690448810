CREATE TABLE accounts (id integer PRIMARY KEY, balance numeric NOT NULL DEFAULT 0);
CREATE FUNCTION legacy_balance(p_id integer) RETURNS numeric
    LANGUAGE sql STABLE
    AS $$ SELECT balance FROM accounts WHERE id = p_id $$;
