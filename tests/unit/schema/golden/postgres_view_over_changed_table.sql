-- drift view: public.big_orders
-- safe: drop view public.big_orders
DROP VIEW "public"."big_orders";
-- safe: drop view public.order_totals
DROP VIEW "public"."order_totals";
-- rewrite: alter column public.orders.amount: type numeric(10,2) -> numeric(12,2)
ALTER TABLE "public"."orders" ALTER COLUMN "amount" TYPE numeric(12,2) USING "amount"::numeric(12,2);
-- safe: create view public.order_totals
CREATE VIEW "public"."order_totals" AS SELECT id, amount FROM orders;
-- safe: create view public.big_orders
CREATE VIEW "public"."big_orders" AS SELECT id FROM orders WHERE amount > 100;
