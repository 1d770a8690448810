-- create: a DETERMINISTIC stored function used by a view
CREATE TABLE products (id INT NOT NULL PRIMARY KEY, net_cents INT NOT NULL);
DELIMITER //
CREATE FUNCTION gross_cents(p_net INT) RETURNS INT
  DETERMINISTIC
  NO SQL
BEGIN
  RETURN ROUND(p_net * 1.19);
END//
DELIMITER ;
CREATE VIEW product_prices AS SELECT id, gross_cents(net_cents) AS gross FROM products;
