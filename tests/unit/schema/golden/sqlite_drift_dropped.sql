-- drift column: items.legacy
-- drift index: items.items_legacy_idx
-- drift table: old_items
-- drift view: old_view
-- destructive: drop view old_view
DROP VIEW "old_view";
-- destructive: rebuild table items: drop index items.items_legacy_idx; drop column items.legacy
CREATE TABLE "_ferry_rebuild_items" (
  "id" bigint NOT NULL,
  "name" varchar(20),
  CONSTRAINT "items_pkey" PRIMARY KEY ("id")
);
INSERT INTO "_ferry_rebuild_items" ("id", "name") SELECT "id", "name" FROM "items";
DROP TABLE "items";
ALTER TABLE "_ferry_rebuild_items" RENAME TO "items";
-- destructive: drop table old_items
DROP TABLE "old_items";
