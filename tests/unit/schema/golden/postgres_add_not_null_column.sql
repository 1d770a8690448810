-- data_dependent: add column public.items.code varchar(10)
ALTER TABLE "public"."items" ADD COLUMN "code" varchar(10) NOT NULL;
