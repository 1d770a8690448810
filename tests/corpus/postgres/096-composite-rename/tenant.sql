CREATE TYPE latlon AS (lat double precision, lon double precision);
CREATE TABLE places (id integer PRIMARY KEY, position latlon);
