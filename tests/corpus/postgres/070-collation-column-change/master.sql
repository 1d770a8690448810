-- alter: a column's collation ("C" on the master, the default on the tenant)
CREATE TABLE tags (id integer PRIMARY KEY, code text COLLATE "C" NOT NULL UNIQUE, label text);
