-- alter: a schema's comment changed
CREATE SCHEMA reporting;
COMMENT ON SCHEMA reporting IS 'Read models for the dashboards';
CREATE TABLE reporting.daily_totals (day date PRIMARY KEY, orders integer NOT NULL DEFAULT 0);
