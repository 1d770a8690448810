CREATE DOMAIN zip_code AS text CHECK (VALUE ~ '^[0-9]{5}$');
CREATE TABLE addresses (id integer PRIMARY KEY, zip zip_code NOT NULL);
