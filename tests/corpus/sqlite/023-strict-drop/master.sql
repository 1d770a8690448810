-- drop: STRICT only the tenant's table has
CREATE TABLE kv (key TEXT PRIMARY KEY, value INTEGER);
