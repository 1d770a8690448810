-- drift column: public.items.legacy
-- drift index: public.items.items_legacy_idx
-- drift table: public.old_items
-- drift view: public.old_view
-- destructive: drop view public.old_view
DROP VIEW "public"."old_view";
-- destructive: drop index public.items.items_legacy_idx
DROP INDEX "public"."items_legacy_idx";
-- destructive: drop column public.items.legacy
ALTER TABLE "public"."items" DROP COLUMN "legacy";
-- destructive: drop table public.old_items
DROP TABLE "public"."old_items";
