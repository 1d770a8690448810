CREATE EXTENSION hstore VERSION '1.7';
CREATE TABLE attributes (id integer PRIMARY KEY, props hstore);
