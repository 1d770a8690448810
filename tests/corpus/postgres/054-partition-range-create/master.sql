-- create: a range-partitioned table with yearly partitions and a default partition
CREATE TABLE measurements (
    sensor_id integer NOT NULL,
    taken_at timestamptz NOT NULL,
    value double precision NOT NULL,
    PRIMARY KEY (sensor_id, taken_at)
) PARTITION BY RANGE (taken_at);
CREATE TABLE measurements_2023 PARTITION OF measurements FOR VALUES FROM ('2023-01-01 00:00:00+00') TO ('2024-01-01 00:00:00+00');
CREATE TABLE measurements_2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00');
CREATE TABLE measurements_other PARTITION OF measurements DEFAULT;
