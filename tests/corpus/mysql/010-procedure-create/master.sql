-- create: a stored procedure with IN/OUT parameters and a cursor-free loop
CREATE TABLE invoices (id INT NOT NULL PRIMARY KEY, customer_id INT NOT NULL, total DECIMAL(12,2) NOT NULL, paid TINYINT(1) NOT NULL DEFAULT 0);
DELIMITER //
CREATE PROCEDURE customer_balance(IN p_customer INT, OUT p_open DECIMAL(12,2))
  READS SQL DATA
  COMMENT 'Open amount of a customer'
BEGIN
  SELECT COALESCE(SUM(total), 0) INTO p_open FROM invoices WHERE customer_id = p_customer AND paid = 0;
END//
DELIMITER ;
