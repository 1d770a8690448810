-- alter: a trigger's body and event changed (AFTER UPDATE writing an audit row)
CREATE TABLE accounts (id INT NOT NULL PRIMARY KEY, balance DECIMAL(12,2) NOT NULL DEFAULT 0);
CREATE TABLE account_audit (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id INT NOT NULL,
  old_balance DECIMAL(12,2),
  new_balance DECIMAL(12,2),
  changed_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
DELIMITER //
CREATE TRIGGER accounts_audit AFTER UPDATE ON accounts
FOR EACH ROW
BEGIN
  IF NOT (OLD.balance <=> NEW.balance) THEN
    INSERT INTO account_audit (account_id, old_balance, new_balance) VALUES (NEW.id, OLD.balance, NEW.balance);
  END IF;
END//
DELIMITER ;
