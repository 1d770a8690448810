CREATE DOMAIN quantity AS integer CHECK (VALUE > 0);
CREATE TABLE cart_items (id integer PRIMARY KEY, qty quantity);
