-- drift view: big_orders
-- safe: drop view big_orders
DROP VIEW "big_orders";
-- safe: drop view order_totals
DROP VIEW "order_totals";
-- rewrite: rebuild table orders: alter column orders.amount: type numeric(10,2) -> numeric(12,2)
CREATE TABLE "_ferry_rebuild_orders" (
  "id" bigint NOT NULL,
  "amount" numeric(12,2),
  CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
);
INSERT INTO "_ferry_rebuild_orders" ("id", "amount") SELECT "id", "amount" FROM "orders";
DROP TABLE "orders";
ALTER TABLE "_ferry_rebuild_orders" RENAME TO "orders";
-- safe: create view order_totals
CREATE VIEW "order_totals" AS SELECT id, amount FROM orders;
-- safe: create view big_orders
CREATE VIEW "big_orders" AS SELECT id FROM orders WHERE amount > 100;
