-- safe: add column items.note varchar(200)
ALTER TABLE "items" ADD COLUMN "note" varchar(200);
-- safe: add column items.qty integer
ALTER TABLE "items" ADD COLUMN "qty" integer NOT NULL DEFAULT 1;
