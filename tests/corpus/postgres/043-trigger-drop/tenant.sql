CREATE TABLE comments (id bigint PRIMARY KEY, body text NOT NULL, edited boolean NOT NULL DEFAULT false);
CREATE FUNCTION mark_edited() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.edited := true;
    RETURN NEW;
END
$$;
CREATE TRIGGER comments_edited BEFORE UPDATE OF body ON comments
    FOR EACH ROW EXECUTE FUNCTION mark_edited();
