-- rename: the same event under another name on the tenant
CREATE TABLE tokens (id BIGINT NOT NULL PRIMARY KEY, expires_at DATETIME NOT NULL);
CREATE EVENT expire_tokens ON SCHEDULE EVERY 10 MINUTE STARTS '2030-01-01 00:00:00' ON COMPLETION PRESERVE
  DO DELETE FROM tokens WHERE expires_at < NOW();
