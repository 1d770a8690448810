-- data_dependent: rebuild table orders: drop foreign key orders.orders_customer_fk; add foreign key orders.orders_customer_fk (customer_id) -> customers
CREATE TABLE "_ferry_rebuild_orders" (
  "id" bigint NOT NULL,
  "customer_id" bigint,
  CONSTRAINT "orders_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "orders_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "customers" ("id") ON DELETE CASCADE
);
INSERT INTO "_ferry_rebuild_orders" ("id", "customer_id") SELECT "id", "customer_id" FROM "orders";
DROP TABLE "orders";
ALTER TABLE "_ferry_rebuild_orders" RENAME TO "orders";
