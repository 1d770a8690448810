-- safe: drop foreign key orders.orders_customer_fk
ALTER TABLE `orders` DROP FOREIGN KEY `orders_customer_fk`;
-- data_dependent: add foreign key orders.orders_customer_fk (customer_id) -> customers
ALTER TABLE `orders` ADD CONSTRAINT `orders_customer_fk` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE CASCADE;
