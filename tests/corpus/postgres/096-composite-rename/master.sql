-- rename: a composite type under another name on the tenant
CREATE TYPE geo_point AS (lat double precision, lon double precision);
CREATE TABLE places (id integer PRIMARY KEY, position geo_point);
