-- create: a standalone sequence with options, used by a column default
CREATE SEQUENCE order_number_seq START WITH 1000 INCREMENT BY 1 CACHE 20;
CREATE TABLE orders (
    id integer PRIMARY KEY,
    number bigint NOT NULL DEFAULT nextval('order_number_seq')
);
