-- alter: a composite type's attribute type changed and one attribute dropped
CREATE TYPE dimensions AS (width_mm integer, height_mm integer);
CREATE TABLE parcels (id integer PRIMARY KEY, size dimensions);
