-- alter: an enum label added at the end
CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'returned');
CREATE TABLE orders (id bigint PRIMARY KEY, status order_status NOT NULL DEFAULT 'pending');
