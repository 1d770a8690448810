-- rename: the same unique key under another name on the tenant
CREATE TABLE members (
  id BIGINT NOT NULL PRIMARY KEY,
  email VARCHAR(200) NOT NULL,
  UNIQUE KEY members_email_uq (email)
);
