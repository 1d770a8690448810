-- drop: a column CHECK and a table CHECK only the tenant has
CREATE TABLE ratings (
  id INT NOT NULL PRIMARY KEY,
  stars TINYINT NOT NULL,
  review TEXT NULL
);
