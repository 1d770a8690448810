-- alter: volatility, strictness, SECURITY DEFINER, a SET clause and cost of a function
CREATE FUNCTION current_tenant_id() RETURNS integer
    LANGUAGE sql STABLE STRICT SECURITY DEFINER COST 10
    SET search_path = pg_catalog, public
    AS $$ SELECT current_setting('app.tenant_id')::integer $$;
