CREATE FUNCTION clamp_discount(pct numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT greatest(0, least(pct, 50)) $$;
