CREATE TYPE legacy_status AS ENUM ('new', 'old');
CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL DEFAULT 'pending');
