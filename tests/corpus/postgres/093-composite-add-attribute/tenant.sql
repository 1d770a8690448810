CREATE TYPE address AS (street text, city text, postal_code text);
CREATE TABLE stores (id integer PRIMARY KEY, location address);
