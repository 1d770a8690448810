-- create: a FULLTEXT index over two columns
CREATE TABLE articles (
  id INT NOT NULL PRIMARY KEY,
  title VARCHAR(200) NOT NULL,
  body TEXT NOT NULL,
  FULLTEXT KEY articles_search (title, body)
) ENGINE=InnoDB;
