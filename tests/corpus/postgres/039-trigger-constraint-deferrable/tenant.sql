CREATE TABLE ledger (id bigint PRIMARY KEY, batch integer NOT NULL, amount numeric(12,2) NOT NULL);
CREATE FUNCTION check_batch_balanced() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF (SELECT sum(amount) FROM ledger WHERE batch = NEW.batch) <> 0 THEN
        RAISE EXCEPTION 'batch % does not balance', NEW.batch;
    END IF;
    RETURN NULL;
END
$$;
