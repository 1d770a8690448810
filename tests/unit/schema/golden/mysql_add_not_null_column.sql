-- data_dependent: add column items.code varchar(10)
ALTER TABLE `items` ADD COLUMN `code` varchar(10) NOT NULL AFTER `name`;
