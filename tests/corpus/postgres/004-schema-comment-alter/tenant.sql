CREATE SCHEMA reporting;
COMMENT ON SCHEMA reporting IS 'Reports';
CREATE TABLE reporting.daily_totals (day date PRIMARY KEY, orders integer NOT NULL DEFAULT 0);
