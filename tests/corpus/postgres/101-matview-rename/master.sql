-- rename: a materialized view under another name on the tenant
CREATE TABLE sales (id bigint PRIMARY KEY, region text NOT NULL, sold_on date NOT NULL, amount numeric(12,2) NOT NULL);
CREATE MATERIALIZED VIEW region_totals AS SELECT region, sum(amount) AS total FROM sales GROUP BY region WITH NO DATA;
