-- safe: create table invoices
CREATE TABLE "invoices" (
  "id" integer CONSTRAINT "invoices_pkey" PRIMARY KEY AUTOINCREMENT NOT NULL,
  "person_id" bigint NOT NULL,
  "total" numeric(12,2) NOT NULL DEFAULT 0,
  "status" varchar(20) NOT NULL DEFAULT 'open',
  CONSTRAINT "invoices_total_check" CHECK (total >= 0),
  CONSTRAINT "invoices_person_fk" FOREIGN KEY ("person_id") REFERENCES "people" ("id") ON DELETE CASCADE
);
-- safe: create table people
CREATE TABLE "people" (
  "id" integer CONSTRAINT "people_pkey" PRIMARY KEY AUTOINCREMENT NOT NULL,
  "email" varchar(200) NOT NULL,
  "name" varchar(100),
  CONSTRAINT "people_email_key" UNIQUE ("email"),
  CONSTRAINT "people_email_check" CHECK (email <> '')
);
-- safe: create index invoices.invoices_person_idx
CREATE INDEX "invoices_person_idx" ON "invoices" ("person_id");
