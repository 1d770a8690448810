CREATE TABLE suppliers (id integer PRIMARY KEY, rating integer CONSTRAINT suppliers_rating CHECK (rating BETWEEN 1 AND 5));
COMMENT ON TABLE suppliers IS 'Deprecated';
COMMENT ON COLUMN suppliers.rating IS 'Old scale';
COMMENT ON CONSTRAINT suppliers_rating ON suppliers IS 'One to five stars';
