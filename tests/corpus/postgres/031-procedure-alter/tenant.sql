CREATE TABLE sessions (id bigint PRIMARY KEY, last_seen timestamptz NOT NULL);
CREATE PROCEDURE purge_sessions(max_age interval)
    LANGUAGE plpgsql
    AS $$
BEGIN
    DELETE FROM sessions WHERE last_seen < now() - max_age;
END
$$;
