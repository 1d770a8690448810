-- alter: a trigger's timing and events (AFTER INSERT OR DELETE instead of BEFORE INSERT)
CREATE TABLE memberships (group_id integer NOT NULL, user_id integer NOT NULL, PRIMARY KEY (group_id, user_id));
CREATE TABLE group_sizes (group_id integer PRIMARY KEY, members integer NOT NULL DEFAULT 0);
CREATE FUNCTION count_members() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE group_sizes SET members = members + 1 WHERE group_id = NEW.group_id;
    ELSE
        UPDATE group_sizes SET members = members - 1 WHERE group_id = OLD.group_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER memberships_count AFTER INSERT OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION count_members();
