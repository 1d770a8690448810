CREATE DOMAIN percentage AS numeric(5,2)
    CONSTRAINT percentage_range CHECK (VALUE >= 0);
CREATE TABLE discounts (id integer PRIMARY KEY, pct percentage NOT NULL);
