-- alter: an index IGNORED on the master (kept up to date, not used by the optimizer)
CREATE TABLE events (
  id BIGINT NOT NULL PRIMARY KEY,
  kind VARCHAR(30) NOT NULL,
  at DATETIME NOT NULL,
  KEY events_kind (kind) IGNORED,
  KEY events_at (at)
);
