-- rename: the tenant has the same schema and table under the schema's old name
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (
    id integer PRIMARY KEY,
    total numeric(12,2) NOT NULL CHECK (total >= 0)
);
