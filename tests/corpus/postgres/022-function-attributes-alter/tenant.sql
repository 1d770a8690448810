CREATE FUNCTION current_tenant_id() RETURNS integer
    LANGUAGE sql VOLATILE
    AS $$ SELECT current_setting('app.tenant_id')::integer $$;
