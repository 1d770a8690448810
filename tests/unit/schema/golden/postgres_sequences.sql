-- safe: alter sequence public.counter_seq
ALTER SEQUENCE "public"."counter_seq" AS bigint INCREMENT BY 5 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 100 CACHE 1 NO CYCLE;
-- safe: create sequence public.invoice_number_seq
CREATE SEQUENCE "public"."invoice_number_seq" AS integer INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1000 CACHE 1 CYCLE;
-- safe: sequence public.invoice_number_seq owned by invoices.number
ALTER SEQUENCE "public"."invoice_number_seq" OWNED BY "public"."invoices"."number";
