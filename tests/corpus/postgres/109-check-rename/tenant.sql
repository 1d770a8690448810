CREATE TABLE shipments (id integer PRIMARY KEY, weight_g integer NOT NULL, CONSTRAINT shipments_weight_g_check CHECK (weight_g > 0));
COMMENT ON CONSTRAINT shipments_weight_g_check ON shipments IS 'grams, never zero';
