CREATE SCHEMA billing_v1;
CREATE TABLE billing_v1.invoices (
    id integer PRIMARY KEY,
    total numeric(12,2) NOT NULL CHECK (total >= 0)
);
