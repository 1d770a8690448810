-- alter: a function's body changed (replace in place)
CREATE FUNCTION shipping_cost(weight_kg numeric) RETURNS numeric
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    IF weight_kg <= 1 THEN
        RETURN 4.90;
    ELSIF weight_kg <= 10 THEN
        RETURN 9.90;
    END IF;
    RETURN 19.90 + (weight_kg - 10) * 0.5;
END
$$;
