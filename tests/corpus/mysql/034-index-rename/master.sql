-- rename: the same index under another name on the tenant
CREATE TABLE visits (
  id BIGINT NOT NULL PRIMARY KEY,
  page VARCHAR(200) NOT NULL,
  visited_at DATETIME NOT NULL,
  KEY visits_page_time (page, visited_at)
);
