-- safe: drop index users.users_status_idx
DROP INDEX "users_status_idx";
-- safe: create index users.users_active_email_idx
CREATE INDEX "users_active_email_idx" ON "users" ("email") WHERE status = 'active';
-- safe: create index users.users_created_idx
CREATE INDEX "users_created_idx" ON "users" ("created_at" DESC);
-- safe: create index users.users_email_lower_idx
CREATE UNIQUE INDEX "users_email_lower_idx" ON "users" (lower(email));
-- safe: create index users.users_status_idx
CREATE INDEX "users_status_idx" ON "users" ("status", "created_at");
