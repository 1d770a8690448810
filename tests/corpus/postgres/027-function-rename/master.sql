-- rename: the same SQL function under another name on the tenant
CREATE FUNCTION full_name(first_name text, last_name text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT first_name || ' ' || last_name $$;
