-- alter: a column added to an inheritance parent (inherited by the child)
CREATE TABLE vehicles (id integer PRIMARY KEY, make text NOT NULL, built smallint, color text);
CREATE TABLE trucks (payload_kg integer NOT NULL) INHERITS (vehicles);
