-- alter: a trigger ENABLE ALWAYS (fires under session_replication_role = replica too)
CREATE TABLE replicated_orders (id bigint PRIMARY KEY, status text NOT NULL, changed_at timestamptz);
CREATE FUNCTION stamp_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.changed_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER replicated_orders_stamp BEFORE INSERT OR UPDATE ON replicated_orders
    FOR EACH ROW EXECUTE FUNCTION stamp_change();
ALTER TABLE replicated_orders ENABLE ALWAYS TRIGGER replicated_orders_stamp;
