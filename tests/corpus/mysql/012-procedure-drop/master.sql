-- drop: a procedure only the tenant has
CREATE TABLE logs (id BIGINT NOT NULL PRIMARY KEY, message TEXT NOT NULL);
