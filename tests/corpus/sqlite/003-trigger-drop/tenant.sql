CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TRIGGER items_no_delete BEFORE DELETE ON items
BEGIN
  SELECT RAISE(ABORT, 'items are never deleted');
END;
