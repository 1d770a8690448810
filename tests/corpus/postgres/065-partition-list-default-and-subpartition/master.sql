-- create: a default partition and a sub-partitioned partition (list, then range)
CREATE TABLE events (
    id bigint NOT NULL,
    kind text NOT NULL,
    at date NOT NULL
) PARTITION BY LIST (kind);
CREATE TABLE events_click PARTITION OF events FOR VALUES IN ('click') PARTITION BY RANGE (at);
CREATE TABLE events_click_2024 PARTITION OF events_click FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_view PARTITION OF events FOR VALUES IN ('view');
CREATE TABLE events_rest PARTITION OF events DEFAULT;
