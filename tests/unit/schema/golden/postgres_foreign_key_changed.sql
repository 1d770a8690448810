-- safe: drop foreign key public.orders.orders_customer_fk
ALTER TABLE "public"."orders" DROP CONSTRAINT "orders_customer_fk";
-- data_dependent: add foreign key public.orders.orders_customer_fk (customer_id) -> public.customers
ALTER TABLE "public"."orders" ADD CONSTRAINT "orders_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers" ("id") ON DELETE CASCADE;
