CREATE TABLE tickets (id bigint PRIMARY KEY, status text NOT NULL, opened_at timestamptz NOT NULL);
CREATE INDEX tickets_opened_at_idx ON tickets (opened_at) WHERE status = 'open';
COMMENT ON INDEX tickets_opened_at_idx IS 'the support queue';
