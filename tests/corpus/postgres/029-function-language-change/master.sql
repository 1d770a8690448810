-- alter: a function's language changed from SQL to PL/pgSQL
CREATE FUNCTION clamp_discount(pct numeric) RETURNS numeric
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    RETURN greatest(0, least(pct, 50));
END
$$;
