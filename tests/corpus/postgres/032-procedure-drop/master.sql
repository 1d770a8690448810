-- drop: a procedure only the tenant has
CREATE TABLE audit_log (id bigint PRIMARY KEY, at timestamptz NOT NULL);
