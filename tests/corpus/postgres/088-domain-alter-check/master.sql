-- alter: a domain's check constraint changed and a second check added
CREATE DOMAIN percentage AS numeric(5,2)
    CONSTRAINT percentage_range CHECK (VALUE >= 0 AND VALUE <= 100)
    CONSTRAINT percentage_step CHECK (VALUE * 4 = trunc(VALUE * 4));
CREATE TABLE discounts (id integer PRIMARY KEY, pct percentage NOT NULL);
