-- drop: partitioning only the tenant has (HASH, 4 partitions)
CREATE TABLE sessions (
  id BIGINT NOT NULL PRIMARY KEY,
  user_id BIGINT NOT NULL,
  expires_at DATETIME NOT NULL
);
