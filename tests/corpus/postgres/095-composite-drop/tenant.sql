CREATE TYPE coordinate AS (x double precision, y double precision);
CREATE TABLE points (id integer PRIMARY KEY, x double precision, y double precision);
