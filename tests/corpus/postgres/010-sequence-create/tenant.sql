CREATE TABLE orders (
    id integer PRIMARY KEY,
    number bigint NOT NULL
);
