-- drop: a trigger only the tenant has
CREATE TABLE orders (id INT NOT NULL PRIMARY KEY, status VARCHAR(20) NOT NULL DEFAULT 'new');
