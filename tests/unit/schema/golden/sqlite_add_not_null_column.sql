-- data_dependent: rebuild table items: add column items.code varchar(10)
CREATE TABLE "_ferry_rebuild_items" (
  "id" bigint NOT NULL,
  "name" varchar(20),
  "code" varchar(10) NOT NULL,
  CONSTRAINT "items_pkey" PRIMARY KEY ("id")
);
INSERT INTO "_ferry_rebuild_items" ("id", "name") SELECT "id", "name" FROM "items";
DROP TABLE "items";
ALTER TABLE "_ferry_rebuild_items" RENAME TO "items";
