CREATE TABLE imports (id bigint PRIMARY KEY, payload jsonb NOT NULL, checked boolean NOT NULL DEFAULT false);
CREATE FUNCTION validate_import() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF jsonb_typeof(NEW.payload) <> 'object' THEN
        RAISE EXCEPTION 'payload must be an object';
    END IF;
    NEW.checked := true;
    RETURN NEW;
END
$$;
CREATE TRIGGER imports_validate BEFORE INSERT ON imports
    FOR EACH ROW EXECUTE FUNCTION validate_import();
