-- safe: drop index events.events_name
DROP INDEX `events_name` ON `events`;
-- rewrite: table options of events: remove partitioning, engine MyISAM, default collation latin1_swedish_ci
ALTER TABLE `events` REMOVE PARTITIONING;
ALTER TABLE `events` ENGINE=MyISAM;
ALTER TABLE `events` DEFAULT CHARACTER SET latin1 COLLATE latin1_swedish_ci;
-- safe: create table logs
CREATE TABLE `logs` (
  `id` bigint NOT NULL,
  `qty` int NULL CHECK (`qty` > 0),
  `at` timestamp NULL ON UPDATE current_timestamp(),
  PRIMARY KEY (`id`),
  CONSTRAINT `logs_qty` CHECK (`qty` < 10)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
PARTITION BY KEY (`id`)
PARTITIONS 2;
-- rewrite: alter column events.doubled: generated VIRTUAL
ALTER TABLE `events` DROP COLUMN `doubled`, ADD COLUMN `doubled` int GENERATED ALWAYS AS (`qty` * 2) VIRTUAL AFTER `qty`;
-- rewrite: alter column events.name: collation of the table, latin1_swedish_ci
ALTER TABLE `events` MODIFY COLUMN `name` varchar(100) NULL;
-- safe: alter column events.touched: on update current_timestamp()
ALTER TABLE `events` MODIFY COLUMN `touched` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp();
-- data_dependent: add check events.qty
ALTER TABLE `events` MODIFY COLUMN `qty` int NULL CHECK (`qty` > 0);
-- safe: create index events.events_name
CREATE INDEX `events_name` ON `events` (`name`(10));
-- safe: create index events.events_text
CREATE FULLTEXT INDEX `events_text` ON `events` (`name`);
-- safe: index events.events_qty: ignored
ALTER TABLE `events` ALTER INDEX `events_qty` IGNORED;
