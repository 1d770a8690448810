CREATE TABLE notes (id integer PRIMARY KEY, body text);
CREATE SEQUENCE legacy_note_seq START WITH 50;
