-- rename: the same unique constraint under another name on the tenant, referenced by a foreign key
CREATE TABLE accounts (id integer PRIMARY KEY, email text NOT NULL, CONSTRAINT accounts_email_uq UNIQUE (email));
CREATE TABLE logins (id integer PRIMARY KEY, email text NOT NULL REFERENCES accounts (email));
