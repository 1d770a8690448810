CREATE TABLE vouchers (
  id INT NOT NULL PRIMARY KEY,
  code VARCHAR(32) NOT NULL,
  holder VARCHAR(100) NOT NULL,
  UNIQUE KEY vouchers_code (code)
) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
