CREATE TABLE events (
  id BIGINT NOT NULL PRIMARY KEY,
  kind VARCHAR(30) NOT NULL,
  at DATETIME NOT NULL,
  KEY events_kind (kind),
  KEY events_at (at)
);
