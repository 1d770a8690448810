-- create: a FOR EACH STATEMENT trigger on TRUNCATE and DELETE
CREATE TABLE inventory (sku text PRIMARY KEY, quantity integer NOT NULL);
CREATE TABLE inventory_events (at timestamptz NOT NULL DEFAULT now(), operation text NOT NULL);
CREATE FUNCTION note_inventory_wipe() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO inventory_events (operation) VALUES (TG_OP);
    RETURN NULL;
END
$$;
CREATE TRIGGER inventory_wipe AFTER DELETE OR TRUNCATE ON inventory
    FOR EACH STATEMENT EXECUTE FUNCTION note_inventory_wipe();
