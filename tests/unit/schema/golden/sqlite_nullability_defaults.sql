-- data_dependent: rebuild table items: alter column items.a: set NOT NULL; alter column items.b: drop NOT NULL; alter column items.c: default 0; alter column items.d: drop default
CREATE TABLE "_ferry_rebuild_items" (
  "id" bigint NOT NULL,
  "a" varchar(20) NOT NULL,
  "b" varchar(20),
  "c" integer DEFAULT 0,
  "d" integer,
  CONSTRAINT "items_pkey" PRIMARY KEY ("id")
);
INSERT INTO "_ferry_rebuild_items" ("id", "a", "b", "c", "d") SELECT "id", "a", "b", "c", "d" FROM "items";
DROP TABLE "items";
ALTER TABLE "_ferry_rebuild_items" RENAME TO "items";
