-- safe: create table public.invoices
CREATE TABLE "public"."invoices" (
  "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
  "person_id" bigint NOT NULL,
  "total" numeric(12,2) DEFAULT 0 NOT NULL,
  "status" varchar(20) DEFAULT 'open' NOT NULL,
  CONSTRAINT "invoices_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "invoices_total_check" CHECK (total >= 0)
);
-- safe: create table public.people
CREATE TABLE "public"."people" (
  "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
  "email" varchar(200) NOT NULL,
  "name" varchar(100),
  CONSTRAINT "people_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "people_email_key" UNIQUE ("email"),
  CONSTRAINT "people_email_check" CHECK (email <> '')
);
-- safe: create index public.invoices.invoices_person_idx
CREATE INDEX "invoices_person_idx" ON "public"."invoices" ("person_id");
-- safe: add foreign key public.invoices.invoices_person_fk (person_id) -> public.people
ALTER TABLE "public"."invoices" ADD CONSTRAINT "invoices_person_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people" ("id") ON DELETE CASCADE;
-- safe: comment on table public.invoices
COMMENT ON TABLE "public"."invoices" IS 'Customer''s invoices';
-- safe: comment on table public.people
COMMENT ON TABLE "public"."people" IS 'People we bill';
-- safe: comment on column public.people.name
COMMENT ON COLUMN "public"."people"."name" IS 'Full name, as printed';
