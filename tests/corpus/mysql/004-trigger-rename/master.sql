-- rename: the same trigger under another name on the tenant
CREATE TABLE products (id INT NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL, updated_at DATETIME NULL);
CREATE TRIGGER products_touch BEFORE UPDATE ON products FOR EACH ROW SET NEW.updated_at = NOW();
