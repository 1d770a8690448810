-- create: a BEFORE INSERT trigger that normalizes a column
CREATE TABLE customers (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(255) NOT NULL,
  UNIQUE KEY customers_email (email)
) ENGINE=InnoDB;
DELIMITER //
CREATE TRIGGER customers_email_lower BEFORE INSERT ON customers
FOR EACH ROW
BEGIN
  SET NEW.email = LOWER(TRIM(NEW.email));
END//
DELIMITER ;
