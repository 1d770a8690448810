-- create: a domain with a named check, used by a column
CREATE DOMAIN email_address AS text
    CONSTRAINT email_address_format CHECK (VALUE ~ '^[^@\s]+@[^@\s]+$');
CREATE TABLE subscribers (id integer PRIMARY KEY, email email_address NOT NULL);
