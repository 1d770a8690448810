-- alter: two triggers on the same event in another order (PRECEDES)
CREATE TABLE readings (id INT NOT NULL PRIMARY KEY, raw_value DECIMAL(10,3) NOT NULL, value DECIMAL(10,3) NULL);
CREATE TRIGGER readings_scale BEFORE INSERT ON readings FOR EACH ROW SET NEW.value = NEW.raw_value * 10;
CREATE TRIGGER readings_clamp BEFORE INSERT ON readings FOR EACH ROW PRECEDES readings_scale SET NEW.raw_value = LEAST(NEW.raw_value, 100);
