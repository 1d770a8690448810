-- alter: a table WITHOUT ROWID on the master, a rowid table on the tenant
CREATE TABLE settings (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
