CREATE TABLE warehouses (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE stock (
    warehouse_id integer NOT NULL,
    sku text NOT NULL,
    quantity integer NOT NULL,
    PRIMARY KEY (warehouse_id, sku)
);
