-- rename: a case-insensitive ICU collation under another name on the tenant
CREATE COLLATION case_insensitive (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE logins (id integer PRIMARY KEY, username text COLLATE case_insensitive NOT NULL);
