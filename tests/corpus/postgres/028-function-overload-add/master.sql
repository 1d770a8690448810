-- create: a second overload of an existing function
CREATE FUNCTION to_cents(amount numeric) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT round(amount * 100)::bigint $$;
CREATE FUNCTION to_cents(amount text) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT round(amount::numeric * 100)::bigint $$;
