-- create: a BEFORE INSERT OR UPDATE row trigger with its PL/pgSQL function
CREATE TABLE posts (id integer PRIMARY KEY, title text NOT NULL, slug text);
CREATE FUNCTION posts_set_slug() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.slug := lower(regexp_replace(NEW.title, '[^a-zA-Z0-9]+', '-', 'g'));
    RETURN NEW;
END
$$;
CREATE TRIGGER posts_slug BEFORE INSERT OR UPDATE ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_set_slug();
