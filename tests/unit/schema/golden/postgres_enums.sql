-- data_dependent: recreate enum public.color with labels red, blue and cast its 0 column(s)
ALTER TYPE "public"."color" RENAME TO "color_ferry_replaced";
CREATE TYPE "public"."color" AS ENUM ('red', 'blue');
DROP TYPE "public"."color_ferry_replaced";
-- safe: create enum public.mood
CREATE TYPE "public"."mood" AS ENUM ('happy', 'sad');
-- safe: add label 'draft' to enum public.status
ALTER TYPE "public"."status" ADD VALUE 'draft' BEFORE 'open';
-- safe: add label 'paused' to enum public.status
ALTER TYPE "public"."status" ADD VALUE 'paused' AFTER 'open';
