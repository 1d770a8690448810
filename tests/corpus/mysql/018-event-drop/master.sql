-- drop: an event only the tenant has
CREATE TABLE carts (id BIGINT NOT NULL PRIMARY KEY, updated_at DATETIME NOT NULL);
