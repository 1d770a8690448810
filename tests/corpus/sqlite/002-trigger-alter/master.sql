-- alter: a trigger's WHEN condition and body changed
CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL DEFAULT 0);
CREATE TABLE account_log (account_id INTEGER NOT NULL, old_balance INTEGER, new_balance INTEGER, at TEXT NOT NULL);
CREATE TRIGGER accounts_log AFTER UPDATE ON accounts
WHEN OLD.balance IS NOT NEW.balance
BEGIN
  INSERT INTO account_log VALUES (NEW.id, OLD.balance, NEW.balance, datetime('now'));
END;
