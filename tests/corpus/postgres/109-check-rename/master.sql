-- rename: the same check (with a comment) under another name on the tenant
CREATE TABLE shipments (id integer PRIMARY KEY, weight_g integer NOT NULL, CONSTRAINT shipments_weight_positive CHECK (weight_g > 0));
COMMENT ON CONSTRAINT shipments_weight_positive ON shipments IS 'grams, never zero';
