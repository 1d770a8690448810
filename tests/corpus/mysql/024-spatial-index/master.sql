-- create: a SPATIAL index on a POINT column
CREATE TABLE stores (
  id INT NOT NULL PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  location POINT NOT NULL,
  SPATIAL KEY stores_location (location)
) ENGINE=InnoDB;
