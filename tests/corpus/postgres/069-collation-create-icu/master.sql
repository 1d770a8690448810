-- create: an ICU collation and a column that uses it
CREATE COLLATION german (provider = icu, locale = 'de-DE');
CREATE TABLE contacts (id integer PRIMARY KEY, surname text COLLATE german NOT NULL);
CREATE INDEX contacts_surname_idx ON contacts (surname);
