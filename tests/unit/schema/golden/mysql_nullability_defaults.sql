-- data_dependent: alter column items.a: set NOT NULL
ALTER TABLE `items` MODIFY COLUMN `a` varchar(20) NOT NULL;
-- safe: alter column items.b: drop NOT NULL
ALTER TABLE `items` MODIFY COLUMN `b` varchar(20) NULL;
-- safe: alter column items.c: default 0
ALTER TABLE `items` MODIFY COLUMN `c` int NULL DEFAULT 0;
-- safe: alter column items.d: drop default
ALTER TABLE `items` MODIFY COLUMN `d` int NULL;
