CREATE TABLE contacts (id integer PRIMARY KEY, surname text NOT NULL);
CREATE INDEX contacts_surname_idx ON contacts (surname);
