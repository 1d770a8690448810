-- drift view: big_orders
-- safe: drop view big_orders
DROP VIEW `big_orders`;
-- safe: drop view order_totals
DROP VIEW `order_totals`;
-- rewrite: alter column orders.amount: type numeric(10,2) -> numeric(12,2)
ALTER TABLE `orders` MODIFY COLUMN `amount` numeric(12,2) NULL;
-- safe: create view order_totals
CREATE VIEW `order_totals` AS SELECT id, amount FROM orders;
-- safe: create view big_orders
CREATE VIEW `big_orders` AS SELECT id FROM orders WHERE amount > 100;
