-- create: a check and a foreign key added NOT VALID (not checked against existing rows)
CREATE TABLE warehouses (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE stock (
    warehouse_id integer NOT NULL,
    sku text NOT NULL,
    quantity integer NOT NULL,
    PRIMARY KEY (warehouse_id, sku)
);
ALTER TABLE stock ADD CONSTRAINT stock_quantity_nonnegative CHECK (quantity >= 0) NOT VALID;
ALTER TABLE stock ADD CONSTRAINT stock_warehouse FOREIGN KEY (warehouse_id) REFERENCES warehouses (id) NOT VALID;
