-- drop: the tenant's key column is an identity column, the master's is plain
CREATE TABLE regions (id integer PRIMARY KEY, name text NOT NULL);
