CREATE TYPE money_amount AS (cents integer, currency text COLLATE "C", note text);
CREATE TABLE invoices (
    id integer PRIMARY KEY,
    total money_amount DEFAULT ROW(0, 'EUR', NULL)::money_amount
);
INSERT INTO invoices VALUES (1, ROW(250, 'USD', 'x')), (2, NULL);
CREATE VIEW invoice_totals AS SELECT id, (total).cents AS cents FROM invoices;
