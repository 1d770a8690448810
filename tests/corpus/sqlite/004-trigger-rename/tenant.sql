CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, name_lower TEXT);
CREATE TRIGGER trg_items_ai AFTER INSERT ON items
BEGIN
  UPDATE items SET name_lower = lower(NEW.name) WHERE id = NEW.id;
END;
