CREATE COLLATION swedish (provider = icu, locale = 'sv-SE');
CREATE TABLE cities (id integer PRIMARY KEY, name text NOT NULL);
