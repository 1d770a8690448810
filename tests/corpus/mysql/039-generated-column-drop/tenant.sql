CREATE TABLE users (
  id INT NOT NULL PRIMARY KEY,
  email VARCHAR(255) NOT NULL,
  email_domain VARCHAR(255) AS (SUBSTRING_INDEX(email, '@', -1)) STORED,
  KEY users_email_domain (email_domain)
);
