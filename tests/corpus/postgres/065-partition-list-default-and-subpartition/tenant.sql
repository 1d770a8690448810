CREATE TABLE events (
    id bigint NOT NULL,
    kind text NOT NULL,
    at date NOT NULL
) PARTITION BY LIST (kind);
CREATE TABLE events_view PARTITION OF events FOR VALUES IN ('view');
