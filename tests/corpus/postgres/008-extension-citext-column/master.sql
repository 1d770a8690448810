-- create: extension citext and a column changed to its type
CREATE EXTENSION citext;
CREATE TABLE users (id integer PRIMARY KEY, email citext NOT NULL UNIQUE);
