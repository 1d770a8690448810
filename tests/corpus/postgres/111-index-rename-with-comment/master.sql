-- rename: the same partial index (with a comment) under another name on the tenant
CREATE TABLE tickets (id bigint PRIMARY KEY, status text NOT NULL, opened_at timestamptz NOT NULL);
CREATE INDEX tickets_open_by_time ON tickets (opened_at) WHERE status = 'open';
COMMENT ON INDEX tickets_open_by_time IS 'the support queue';
