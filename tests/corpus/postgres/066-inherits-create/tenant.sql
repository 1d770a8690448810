CREATE TABLE vehicles (id integer PRIMARY KEY, make text NOT NULL, built smallint);
