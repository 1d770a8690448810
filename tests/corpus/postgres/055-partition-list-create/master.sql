-- create: a list-partitioned table
CREATE TABLE customers (
    id bigint NOT NULL,
    country text NOT NULL,
    name text NOT NULL,
    PRIMARY KEY (id, country)
) PARTITION BY LIST (country);
CREATE TABLE customers_dach PARTITION OF customers FOR VALUES IN ('DE', 'AT', 'CH');
CREATE TABLE customers_benelux PARTITION OF customers FOR VALUES IN ('BE', 'NL', 'LU');
