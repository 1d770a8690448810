CREATE TABLE sensors (id integer PRIMARY KEY, label text);
