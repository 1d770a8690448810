CREATE TABLE tags (id integer PRIMARY KEY, code text NOT NULL UNIQUE, label text);
