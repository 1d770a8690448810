CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE logins (id integer PRIMARY KEY, username text COLLATE ci NOT NULL);
