-- rename: a sequence (and the default using it) under another name on the tenant
CREATE SEQUENCE invoice_no_seq START WITH 500;
CREATE TABLE invoices (id integer PRIMARY KEY, invoice_no bigint NOT NULL DEFAULT nextval('invoice_no_seq'));
