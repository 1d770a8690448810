-- alter: a procedure's body and SET clause changed
CREATE TABLE sessions (id bigint PRIMARY KEY, last_seen timestamptz NOT NULL);
CREATE PROCEDURE purge_sessions(max_age interval)
    LANGUAGE plpgsql
    SET lock_timeout = '2s'
    AS $$
DECLARE
    purged bigint;
BEGIN
    DELETE FROM sessions WHERE last_seen < now() - max_age;
    GET DIAGNOSTICS purged = ROW_COUNT;
    RAISE NOTICE 'purged % sessions', purged;
END
$$;
