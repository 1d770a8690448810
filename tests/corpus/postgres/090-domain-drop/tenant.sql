CREATE DOMAIN kelvin AS numeric CHECK (VALUE >= 0);
CREATE TABLE readings (id integer PRIMARY KEY, celsius numeric NOT NULL);
