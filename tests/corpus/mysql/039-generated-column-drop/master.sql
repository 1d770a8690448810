-- drop: a STORED generated column (and its index) only the tenant has
CREATE TABLE users (
  id INT NOT NULL PRIMARY KEY,
  email VARCHAR(255) NOT NULL
);
