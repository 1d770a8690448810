CREATE TABLE orders (id bigint PRIMARY KEY, placed_on date NOT NULL);
CREATE TABLE orders_archive (id bigint PRIMARY KEY, placed_on date NOT NULL);
