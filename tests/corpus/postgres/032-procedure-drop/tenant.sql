CREATE TABLE audit_log (id bigint PRIMARY KEY, at timestamptz NOT NULL);
CREATE PROCEDURE truncate_audit()
    LANGUAGE sql
    AS $$ DELETE FROM audit_log $$;
