-- drop: a composite type only the tenant has
CREATE TABLE points (id integer PRIMARY KEY, x double precision, y double precision);
