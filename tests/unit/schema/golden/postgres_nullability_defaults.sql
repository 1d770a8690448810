-- data_dependent: alter column public.items.a: set NOT NULL
ALTER TABLE "public"."items" ALTER COLUMN "a" SET NOT NULL;
-- safe: alter column public.items.b: drop NOT NULL
ALTER TABLE "public"."items" ALTER COLUMN "b" DROP NOT NULL;
-- safe: alter column public.items.c: default 0
ALTER TABLE "public"."items" ALTER COLUMN "c" SET DEFAULT 0;
-- safe: alter column public.items.d: drop default
ALTER TABLE "public"."items" ALTER COLUMN "d" DROP DEFAULT;
