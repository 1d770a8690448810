CREATE TABLE sales (id bigint PRIMARY KEY, region text NOT NULL, sold_on date NOT NULL, amount numeric(12,2) NOT NULL);
CREATE MATERIALIZED VIEW sales_by_month AS
    SELECT date_trunc('month', sold_on)::date AS month, sum(amount) AS total
      FROM sales GROUP BY 1
    WITH NO DATA;
CREATE UNIQUE INDEX sales_by_month_key ON sales_by_month (month);
