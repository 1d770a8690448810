-- rename: a domain (used by a column) under another name on the tenant
CREATE DOMAIN postal_code AS text CHECK (VALUE ~ '^[0-9]{5}$');
CREATE TABLE addresses (id integer PRIMARY KEY, zip postal_code NOT NULL);
