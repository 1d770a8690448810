CREATE TYPE status AS ENUM ('pending', 'paid', 'shipped');
CREATE TABLE orders (id bigint PRIMARY KEY, status status NOT NULL DEFAULT 'pending');
