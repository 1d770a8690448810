-- rename: a trigger function under another name on the tenant, with the trigger using it
CREATE TABLE documents (id integer PRIMARY KEY, body text, updated_at timestamptz);
CREATE FUNCTION touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER documents_touch BEFORE UPDATE ON documents
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
