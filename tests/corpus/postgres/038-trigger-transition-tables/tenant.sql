CREATE TABLE payments (id bigint PRIMARY KEY, account_id integer NOT NULL, amount numeric(12,2) NOT NULL);
CREATE TABLE account_totals (account_id integer PRIMARY KEY, total numeric(14,2) NOT NULL DEFAULT 0);
CREATE FUNCTION add_payments() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO account_totals AS t (account_id, total)
    SELECT account_id, sum(amount) FROM new_payments GROUP BY account_id
    ON CONFLICT (account_id) DO UPDATE SET total = t.total + EXCLUDED.total;
    RETURN NULL;
END
$$;
