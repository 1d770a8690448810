-- create: an AFTER UPDATE trigger with a WHEN condition
CREATE TABLE prices (id integer PRIMARY KEY, amount numeric(12,2) NOT NULL);
CREATE TABLE price_history (price_id integer NOT NULL, old_amount numeric(12,2), new_amount numeric(12,2), changed_at timestamptz NOT NULL DEFAULT now());
CREATE FUNCTION log_price_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO price_history (price_id, old_amount, new_amount) VALUES (NEW.id, OLD.amount, NEW.amount);
    RETURN NULL;
END
$$;
CREATE TRIGGER prices_history AFTER UPDATE ON prices
    FOR EACH ROW WHEN (OLD.amount IS DISTINCT FROM NEW.amount)
    EXECUTE FUNCTION log_price_change();
