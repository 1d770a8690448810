CREATE TABLE order_lines (
    id bigint PRIMARY KEY,
    quantity integer NOT NULL,
    unit_price numeric(12,2) NOT NULL
);
