-- alter: a composite type's attributes reordered and retyped while a column with a default and a view use it
CREATE TYPE money_amount AS (currency text COLLATE "C", cents bigint);
CREATE TABLE invoices (
    id integer PRIMARY KEY,
    total money_amount DEFAULT ROW('EUR', 0)::money_amount
);
CREATE VIEW invoice_totals AS SELECT id, (total).cents AS cents FROM invoices;
