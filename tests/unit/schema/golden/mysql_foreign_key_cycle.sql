-- safe: create table alpha
CREATE TABLE `alpha` (
  `id` bigint NOT NULL,
  `beta_id` bigint NULL,
  PRIMARY KEY (`id`)
);
-- safe: create table beta
CREATE TABLE `beta` (
  `id` bigint NOT NULL,
  `alpha_id` bigint NULL,
  PRIMARY KEY (`id`)
);
-- safe: add foreign key alpha.alpha_beta_fk (beta_id) -> beta
ALTER TABLE `alpha` ADD CONSTRAINT `alpha_beta_fk` FOREIGN KEY (`beta_id`) REFERENCES `beta` (`id`);
-- safe: add foreign key beta.beta_alpha_fk (alpha_id) -> alpha
ALTER TABLE `beta` ADD CONSTRAINT `beta_alpha_fk` FOREIGN KEY (`alpha_id`) REFERENCES `alpha` (`id`);
