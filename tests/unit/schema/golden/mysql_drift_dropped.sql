-- drift column: items.legacy
-- drift index: items.items_legacy_idx
-- drift table: old_items
-- drift view: old_view
-- destructive: drop view old_view
DROP VIEW `old_view`;
-- destructive: drop index items.items_legacy_idx
DROP INDEX `items_legacy_idx` ON `items`;
-- destructive: drop column items.legacy
ALTER TABLE `items` DROP COLUMN `legacy`;
-- destructive: drop table old_items
DROP TABLE `old_items`;
