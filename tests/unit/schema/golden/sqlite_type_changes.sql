-- destructive: rebuild table items: alter column items.a: type varchar(20) -> varchar(40); alter column items.n: type integer -> bigint; alter column items.s: type varchar(40) -> varchar(10)
CREATE TABLE "_ferry_rebuild_items" (
  "id" bigint NOT NULL,
  "a" varchar(40),
  "n" bigint,
  "s" varchar(10),
  CONSTRAINT "items_pkey" PRIMARY KEY ("id")
);
INSERT INTO "_ferry_rebuild_items" ("id", "a", "n", "s") SELECT "id", "a", "n", "s" FROM "items";
DROP TABLE "items";
ALTER TABLE "_ferry_rebuild_items" RENAME TO "items";
