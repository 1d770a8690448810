CREATE TABLE accounts (id integer PRIMARY KEY, email text NOT NULL, disabled boolean NOT NULL DEFAULT false);
CREATE VIEW active_accounts AS SELECT id, email FROM accounts WHERE NOT disabled;
