-- safe: create table alpha
CREATE TABLE "alpha" (
  "id" bigint NOT NULL,
  "beta_id" bigint,
  CONSTRAINT "alpha_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "alpha_beta_fk" FOREIGN KEY ("beta_id") REFERENCES "beta" ("id")
);
-- safe: create table beta
CREATE TABLE "beta" (
  "id" bigint NOT NULL,
  "alpha_id" bigint,
  CONSTRAINT "beta_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "beta_alpha_fk" FOREIGN KEY ("alpha_id") REFERENCES "alpha" ("id")
);
