-- alter: a table's default character set and collation
CREATE TABLE legacy_notes (
  id INT NOT NULL PRIMARY KEY,
  note VARCHAR(255) NOT NULL
) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
