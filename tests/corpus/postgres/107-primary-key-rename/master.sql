-- rename: the same primary key (with a comment) under another name on the tenant
CREATE TABLE invoices (id bigint NOT NULL, issued_on date NOT NULL, CONSTRAINT invoices_pk PRIMARY KEY (id));
COMMENT ON CONSTRAINT invoices_pk ON invoices IS 'one row per invoice';
