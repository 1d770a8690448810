-- alter: per-column character sets and collations (binary code, case-insensitive German name)
CREATE TABLE vouchers (
  id INT NOT NULL PRIMARY KEY,
  code VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  holder VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_german2_ci NOT NULL,
  UNIQUE KEY vouchers_code (code)
) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
