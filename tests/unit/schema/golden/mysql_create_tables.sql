-- safe: create table invoices
CREATE TABLE `invoices` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `person_id` bigint NOT NULL,
  `total` numeric(12,2) NOT NULL DEFAULT 0,
  `status` varchar(20) NOT NULL DEFAULT 'open',
  PRIMARY KEY (`id`),
  CONSTRAINT `invoices_total_check` CHECK (total >= 0)
);
-- safe: create table people
CREATE TABLE `people` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `email` varchar(200) NOT NULL,
  `name` varchar(100) NULL COMMENT 'Full name, as printed',
  PRIMARY KEY (`id`),
  CONSTRAINT `people_email_key` UNIQUE (`email`),
  CONSTRAINT `people_email_check` CHECK (email <> '')
);
-- safe: create index invoices.invoices_person_idx
CREATE INDEX `invoices_person_idx` ON `invoices` (`person_id`);
-- safe: add foreign key invoices.invoices_person_fk (person_id) -> people
ALTER TABLE `invoices` ADD CONSTRAINT `invoices_person_fk` FOREIGN KEY (`person_id`) REFERENCES `people` (`id`) ON DELETE CASCADE;
-- safe: comment on table invoices
ALTER TABLE `invoices` COMMENT='Customer''s invoices';
-- safe: comment on table people
ALTER TABLE `people` COMMENT='People we bill';
