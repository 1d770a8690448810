CREATE SEQUENCE invoice_number_seq START WITH 500;
CREATE TABLE invoices (id integer PRIMARY KEY, invoice_no bigint NOT NULL DEFAULT nextval('invoice_number_seq'));
