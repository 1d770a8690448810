-- create: a view joining two tables, and an INSTEAD OF trigger on it
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES authors(id), title TEXT NOT NULL);
CREATE VIEW book_list AS
  SELECT b.id, b.title, a.name AS author FROM books b JOIN authors a ON a.id = b.author_id;
CREATE TRIGGER book_list_delete INSTEAD OF DELETE ON book_list
BEGIN
  DELETE FROM books WHERE id = OLD.id;
END;
