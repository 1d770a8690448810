-- rename: the same index under another name on the tenant
CREATE TABLE visits (id bigint PRIMARY KEY, page text NOT NULL, visited_at timestamptz NOT NULL);
CREATE INDEX visits_page_visited_at_idx ON visits (page, visited_at DESC);
