-- rename: the same table (case-insensitive unique email) under another name on the tenant
CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL COLLATE NOCASE UNIQUE);
