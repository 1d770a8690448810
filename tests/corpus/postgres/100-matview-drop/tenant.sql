CREATE TABLE sales (id bigint PRIMARY KEY, region text NOT NULL, sold_on date NOT NULL, amount numeric(12,2) NOT NULL);
CREATE MATERIALIZED VIEW old_report AS SELECT region, max(sold_on) AS last_sale FROM sales GROUP BY region WITH NO DATA;
