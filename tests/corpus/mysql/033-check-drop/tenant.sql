CREATE TABLE ratings (
  id INT NOT NULL PRIMARY KEY,
  stars TINYINT NOT NULL CHECK (stars BETWEEN 1 AND 5),
  review TEXT NULL,
  CONSTRAINT ratings_review_length CHECK (CHAR_LENGTH(review) <= 2000)
);
