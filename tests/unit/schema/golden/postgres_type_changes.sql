-- safe: alter column public.items.a: type varchar(20) -> varchar(40)
ALTER TABLE "public"."items" ALTER COLUMN "a" TYPE varchar(40) USING "a"::varchar(40);
-- rewrite: alter column public.items.n: type integer -> bigint
ALTER TABLE "public"."items" ALTER COLUMN "n" TYPE bigint USING "n"::bigint;
-- destructive: alter column public.items.s: type varchar(40) -> varchar(10)
ALTER TABLE "public"."items" ALTER COLUMN "s" TYPE varchar(10) USING "s"::varchar(10);
