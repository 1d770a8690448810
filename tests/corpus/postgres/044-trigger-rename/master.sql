-- rename: the same trigger under another name on the tenant
CREATE TABLE tasks (id bigint PRIMARY KEY, title text NOT NULL, done_at timestamptz, done boolean NOT NULL DEFAULT false);
CREATE FUNCTION stamp_done() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.done AND NOT OLD.done THEN
        NEW.done_at := now();
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER tasks_stamp_done BEFORE UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION stamp_done();
