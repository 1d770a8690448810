CREATE TABLE coupons (
    id integer PRIMARY KEY,
    code text NOT NULL,
    percent integer NOT NULL,
    CONSTRAINT coupon_code_unique UNIQUE (code),
    CONSTRAINT percent_check CHECK (percent BETWEEN 1 AND 100)
);
