-- alter: extension hstore at version 1.8 on the master, 1.7 on the tenant
CREATE EXTENSION hstore VERSION '1.8';
CREATE TABLE attributes (id integer PRIMARY KEY, props hstore);
