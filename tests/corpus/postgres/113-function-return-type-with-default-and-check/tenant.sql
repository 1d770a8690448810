CREATE FUNCTION next_batch(base integer) RETURNS integer
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT base * 1000 $$;
CREATE TABLE batches (
    id integer PRIMARY KEY,
    batch bigint NOT NULL DEFAULT next_batch(7),
    CONSTRAINT batches_batch_positive CHECK (batch >= next_batch(0))
);
COMMENT ON CONSTRAINT batches_batch_positive ON batches IS 'never below the first batch';
CREATE VIEW batch_view AS SELECT id, next_batch(id) AS next FROM batches;
