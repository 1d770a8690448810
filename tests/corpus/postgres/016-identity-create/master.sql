-- alter: a plain key column becomes GENERATED ALWAYS AS IDENTITY
CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
