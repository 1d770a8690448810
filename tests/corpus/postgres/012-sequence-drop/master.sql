-- drop: a standalone sequence only the tenant has
CREATE TABLE notes (id integer PRIMARY KEY, body text);
