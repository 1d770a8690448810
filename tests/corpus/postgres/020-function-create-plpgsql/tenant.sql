CREATE TABLE order_lines (
    order_id bigint NOT NULL,
    line integer NOT NULL,
    quantity integer NOT NULL,
    unit_price numeric(12,2) NOT NULL,
    PRIMARY KEY (order_id, line)
);
