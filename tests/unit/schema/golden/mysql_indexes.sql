-- safe: drop index users.users_status_idx
DROP INDEX `users_status_idx` ON `users`;
-- safe: create index users.users_created_idx
CREATE INDEX `users_created_idx` ON `users` (`created_at` DESC);
-- safe: create index users.users_status_idx
CREATE INDEX `users_status_idx` ON `users` (`status`, `created_at`);
