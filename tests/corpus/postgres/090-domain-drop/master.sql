-- drop: a domain only the tenant has
CREATE TABLE readings (id integer PRIMARY KEY, celsius numeric NOT NULL);
