-- create: a deferrable constraint trigger (INITIALLY DEFERRED)
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
CREATE CONSTRAINT TRIGGER ledger_balanced AFTER INSERT OR UPDATE ON ledger
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION check_batch_balanced();
