CREATE TABLE visits (
  id BIGINT NOT NULL PRIMARY KEY,
  page VARCHAR(200) NOT NULL,
  visited_at DATETIME NOT NULL,
  KEY idx_page (page, visited_at)
);
