-- alter: an attribute added to a composite type
CREATE TYPE address AS (street text, city text, postal_code text, country char(2));
CREATE TABLE stores (id integer PRIMARY KEY, location address);
