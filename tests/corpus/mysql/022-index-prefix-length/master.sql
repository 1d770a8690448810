-- alter: an index's prefix lengths changed (name(20), url(100))
CREATE TABLE links (
  id INT NOT NULL PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  url VARCHAR(2000) NOT NULL,
  KEY links_name_url (name(20), url(100))
);
