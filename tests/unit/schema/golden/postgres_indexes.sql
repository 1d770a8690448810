-- safe: drop index public.users.users_status_idx
DROP INDEX "public"."users_status_idx";
-- safe: create index public.users.users_active_email_idx
CREATE INDEX "users_active_email_idx" ON "public"."users" ("email") WHERE status = 'active';
-- safe: create index public.users.users_created_idx
CREATE INDEX "users_created_idx" ON "public"."users" ("created_at" DESC);
-- safe: create index public.users.users_email_lower_idx
CREATE UNIQUE INDEX "users_email_lower_idx" ON "public"."users" ((lower(email)));
-- safe: create index public.users.users_status_idx
CREATE INDEX "users_status_idx" ON "public"."users" ("status", "created_at");
