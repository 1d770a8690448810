-- safe: add column items.note varchar(200)
ALTER TABLE `items` ADD COLUMN `note` varchar(200) NULL AFTER `name`;
-- safe: add column items.qty int
ALTER TABLE `items` ADD COLUMN `qty` int NOT NULL DEFAULT 1 AFTER `note`;
