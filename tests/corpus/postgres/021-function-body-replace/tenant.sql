CREATE FUNCTION shipping_cost(weight_kg numeric) RETURNS numeric
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    IF weight_kg <= 1 THEN
        RETURN 4.50;
    END IF;
    RETURN 9.50;
END
$$;
