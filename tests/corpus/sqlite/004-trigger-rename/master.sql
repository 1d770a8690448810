-- rename: the same trigger under another name on the tenant
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, name_lower TEXT);
CREATE TRIGGER items_lower_name AFTER INSERT ON items
BEGIN
  UPDATE items SET name_lower = lower(NEW.name) WHERE id = NEW.id;
END;
