-- drop: a materialized view only the tenant has
CREATE TABLE sales (id bigint PRIMARY KEY, region text NOT NULL, sold_on date NOT NULL, amount numeric(12,2) NOT NULL);
