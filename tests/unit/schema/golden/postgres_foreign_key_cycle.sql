-- safe: create table public.alpha
CREATE TABLE "public"."alpha" (
  "id" bigint NOT NULL,
  "beta_id" bigint,
  CONSTRAINT "alpha_pkey" PRIMARY KEY ("id")
);
-- safe: create table public.beta
CREATE TABLE "public"."beta" (
  "id" bigint NOT NULL,
  "alpha_id" bigint,
  CONSTRAINT "beta_pkey" PRIMARY KEY ("id")
);
-- safe: add foreign key public.alpha.alpha_beta_fk (beta_id) -> public.beta
ALTER TABLE "public"."alpha" ADD CONSTRAINT "alpha_beta_fk" FOREIGN KEY ("beta_id") REFERENCES "public"."beta" ("id");
-- safe: add foreign key public.beta.beta_alpha_fk (alpha_id) -> public.alpha
ALTER TABLE "public"."beta" ADD CONSTRAINT "beta_alpha_fk" FOREIGN KEY ("alpha_id") REFERENCES "public"."alpha" ("id");
