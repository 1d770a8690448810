CREATE TYPE order_status AS ENUM ('pending', 'paid', 'on_hold', 'shipped');
CREATE TABLE orders (id bigint PRIMARY KEY, status order_status NOT NULL DEFAULT 'pending');
