-- safe: alter column items.a: type varchar(20) -> varchar(40)
ALTER TABLE `items` MODIFY COLUMN `a` varchar(40) NULL;
-- rewrite: alter column items.n: type int -> bigint
ALTER TABLE `items` MODIFY COLUMN `n` bigint NULL;
-- destructive: alter column items.s: type varchar(40) -> varchar(10)
ALTER TABLE `items` MODIFY COLUMN `s` varchar(10) NULL;
