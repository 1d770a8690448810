-- drift column: t.legacy
-- drift index: t.t_qty_idx
-- data_dependent: rebuild table t: alter column t.qty: type text -> integer
CREATE TABLE "_ferry_rebuild_t" (
  "id" integer CONSTRAINT "t_pkey" PRIMARY KEY AUTOINCREMENT NOT NULL,
  "name" varchar(20) NOT NULL,
  "qty" integer DEFAULT 0,
  "legacy" text,
  CONSTRAINT "t_name_check" CHECK (length(name) > 0)
);
INSERT INTO sqlite_sequence (name, seq) SELECT '_ferry_rebuild_t', seq FROM sqlite_sequence WHERE name = 't';
INSERT INTO "_ferry_rebuild_t" ("id", "name", "qty", "legacy") SELECT "id", "name", "qty", "legacy" FROM "t";
DROP TABLE "t";
ALTER TABLE "_ferry_rebuild_t" RENAME TO "t";
CREATE INDEX "t_name_idx" ON "t" ("name");
CREATE INDEX "t_qty_idx" ON "t" ("qty");
