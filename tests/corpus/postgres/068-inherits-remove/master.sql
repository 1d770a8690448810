-- drop: the tenant's child inherits from the parent, the master's table stands alone
CREATE TABLE vehicles (id integer PRIMARY KEY, make text NOT NULL, built smallint);
CREATE TABLE trucks (id integer NOT NULL, make text NOT NULL, built smallint, payload_kg integer NOT NULL);
