-- alter: a function's arguments changed while a column default and a check use it
CREATE FUNCTION normalize_sku(sku text, keep_case boolean DEFAULT false) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT CASE WHEN keep_case THEN trim(sku) ELSE upper(trim(sku)) END $$;
CREATE TABLE stock_items (
    id integer PRIMARY KEY,
    sku text NOT NULL DEFAULT normalize_sku('new-item'),
    CONSTRAINT stock_items_sku_normal CHECK (sku = normalize_sku(sku))
);
