-- drop: a stored function only the tenant has
CREATE TABLE prices (id INT NOT NULL PRIMARY KEY, cents INT NOT NULL);
