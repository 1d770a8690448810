-- alter: a plain integer key becomes serial (owned sequence and nextval default)
CREATE TABLE events (id serial PRIMARY KEY, name text NOT NULL);
