-- create: a STORED generated column added to a table
CREATE TABLE order_lines (
    id bigint PRIMARY KEY,
    quantity integer NOT NULL,
    unit_price numeric(12,2) NOT NULL,
    line_total numeric(14,2) GENERATED ALWAYS AS (quantity * unit_price) STORED
);
