CREATE FUNCTION to_cents(amount numeric) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT round(amount * 100)::bigint $$;
