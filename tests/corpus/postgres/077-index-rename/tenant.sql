CREATE TABLE visits (id bigint PRIMARY KEY, page text NOT NULL, visited_at timestamptz NOT NULL);
CREATE INDEX idx_visits_page ON visits (page, visited_at DESC);
