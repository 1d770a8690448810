CREATE FUNCTION normalize_sku(sku text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT upper(trim(sku)) $$;
CREATE TABLE stock_items (
    id integer PRIMARY KEY,
    sku text NOT NULL DEFAULT normalize_sku('new-item'),
    CONSTRAINT stock_items_sku_normal CHECK (sku = normalize_sku(sku))
);
