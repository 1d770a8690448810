-- destructive: enum public.color: labels removed or reordered; recreate the type by hand
-- safe: create enum public.mood
CREATE TYPE "public"."mood" AS ENUM ('happy', 'sad');
-- safe: add label 'draft' to enum public.status
ALTER TYPE "public"."status" ADD VALUE 'draft' BEFORE 'open';
-- safe: add label 'paused' to enum public.status
ALTER TYPE "public"."status" ADD VALUE 'paused' AFTER 'open';
