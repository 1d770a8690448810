-- alter: an enum label added BEFORE an existing one
CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped');
ALTER TYPE order_status ADD VALUE 'authorized' BEFORE 'paid';
CREATE TABLE orders (id bigint PRIMARY KEY, status order_status NOT NULL DEFAULT 'pending');
