-- drop: a trigger only the tenant has (its function stays on both)
CREATE TABLE comments (id bigint PRIMARY KEY, body text NOT NULL, edited boolean NOT NULL DEFAULT false);
CREATE FUNCTION mark_edited() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.edited := true;
    RETURN NEW;
END
$$;
