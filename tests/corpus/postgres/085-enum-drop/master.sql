-- drop: an enum type only the tenant has
CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL DEFAULT 'pending');
