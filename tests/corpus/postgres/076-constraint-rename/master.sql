-- rename: the same check and unique constraint under other names on the tenant
CREATE TABLE coupons (
    id integer PRIMARY KEY,
    code text NOT NULL,
    percent integer NOT NULL,
    CONSTRAINT coupons_code_key UNIQUE (code),
    CONSTRAINT coupons_percent_range CHECK (percent BETWEEN 1 AND 100)
);
