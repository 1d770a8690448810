CREATE TABLE invoices (id bigint NOT NULL, issued_on date NOT NULL, CONSTRAINT invoices_pkey PRIMARY KEY (id));
COMMENT ON CONSTRAINT invoices_pkey ON invoices IS 'one row per invoice';
