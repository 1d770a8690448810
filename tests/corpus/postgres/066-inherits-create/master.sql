-- create: a child table INHERITS a parent
CREATE TABLE vehicles (id integer PRIMARY KEY, make text NOT NULL, built smallint);
CREATE TABLE trucks (payload_kg integer NOT NULL) INHERITS (vehicles);
