-- alter: a partial index's predicate changed
CREATE TABLE jobs (id INTEGER PRIMARY KEY, state TEXT NOT NULL, run_at TEXT NOT NULL);
CREATE INDEX jobs_pending ON jobs (run_at) WHERE state IN ('queued', 'retry');
