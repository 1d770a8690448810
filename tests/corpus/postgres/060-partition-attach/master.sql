-- alter: a table that is a standalone table on the tenant is a partition on the master (ATTACH)
CREATE TABLE orders (
    id bigint NOT NULL,
    placed_on date NOT NULL,
    total numeric(12,2) NOT NULL
) PARTITION BY RANGE (placed_on);
CREATE TABLE orders_2024 PARTITION OF orders FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE orders_2025 PARTITION OF orders FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
