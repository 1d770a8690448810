-- safe: add column public.items.note varchar(200)
ALTER TABLE "public"."items" ADD COLUMN "note" varchar(200);
-- safe: add column public.items.qty integer
ALTER TABLE "public"."items" ADD COLUMN "qty" integer DEFAULT 1 NOT NULL;
