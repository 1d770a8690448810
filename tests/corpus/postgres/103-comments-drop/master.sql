-- drop: comments (on a table, a column, a constraint) only the tenant has
CREATE TABLE suppliers (id integer PRIMARY KEY, rating integer CONSTRAINT suppliers_rating CHECK (rating BETWEEN 1 AND 5));
