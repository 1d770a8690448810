// `ferry schema sync` against real PostgreSQL 15, one kind of change at a time: the plan has
// the expected change and risk, the tenant ends up with the master's catalog as pg_catalog
// shows it, `ferry schema diff` finds nothing left, and the tenant's rows survive.
#include <gtest/gtest.h>

#include "schema_sync_postgres_support.hpp"

namespace ferry::test {
namespace {

using SchemaSyncPostgresChanges = PostgresSyncTest;

TEST_F(SchemaSyncPostgresChanges, CreatesNewTable) {
  on_master(
      "CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, "
      "score numeric(10,2) DEFAULT 0, created timestamptz NOT NULL DEFAULT now())");
  const auto tenant = expect_applied();
  EXPECT_TRUE(has_change(tenant, "safe", "create table public.customers")) << tenant.dump(2);
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable, ', ' "
                   "ORDER BY ordinal_position) FROM information_schema.columns "
                   "WHERE table_name = 'customers'"),
            "id bigint NO, email text NO, score numeric YES, created timestamp with time zone NO");
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conname = 'customers_pkey'"),
            "PRIMARY KEY (id)");
}

TEST_F(SchemaSyncPostgresChanges, AddsNullableAndDefaultedNotNullColumns) {
  on_both("CREATE TABLE items (id int PRIMARY KEY)");
  on_tenant("INSERT INTO items VALUES (1), (2)");
  on_master("ALTER TABLE items ADD COLUMN note text, ADD COLUMN qty int NOT NULL DEFAULT 0");
  const auto tenant = expect_applied();
  EXPECT_TRUE(has_change(tenant, "safe", "add column public.items.note text"));
  EXPECT_TRUE(has_change(tenant, "safe", "add column public.items.qty integer"));
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT string_agg(id || ':' || coalesce(note, '-') || ':' || qty, ',' "
                   "ORDER BY id) FROM items"),
            "1:-:0,2:-:0");
}

TEST_F(SchemaSyncPostgresChanges, DroppedColumnIsDriftUntilAllowDrop) {
  on_both("CREATE TABLE t (id int PRIMARY KEY, keep text, legacy text)");
  on_tenant("INSERT INTO t VALUES (1, 'k', 'l')");
  on_master("ALTER TABLE t DROP COLUMN legacy");
  const std::string has_legacy =
      "SELECT count(*) FROM information_schema.columns "
      "WHERE table_name = 't' AND column_name = 'legacy'";

  const auto kept = sync_tenant("", 0);
  EXPECT_EQ(kept.value("status", ""), "in sync") << kept.dump(2);
  EXPECT_EQ(drift_of(kept), "column public.t.legacy");
  EXPECT_EQ(scalar(*m_tenant, has_legacy), "1");
  const CommandOutput plain_diff = diff();
  EXPECT_EQ(plain_diff.exit_code, 0) << plain_diff.output;
  EXPECT_NE(plain_diff.output.find("column public.t.legacy"), std::string::npos)
      << plain_diff.output;
  EXPECT_EQ(diff("--allow-drop").exit_code, 3);

  const auto dropped = expect_applied("--allow-drop");
  EXPECT_TRUE(has_change(dropped, "destructive", "drop column public.t.legacy"));
  EXPECT_EQ(scalar(*m_tenant, has_legacy), "0");
  EXPECT_EQ(scalar(*m_tenant, "SELECT id || keep FROM t"), "1k");
}

TEST_F(SchemaSyncPostgresChanges, WidensTypesWithoutAllowDrop) {
  on_both("CREATE TABLE t (id int PRIMARY KEY, code varchar(20), n int)");
  on_tenant("INSERT INTO t VALUES (1, 'abc', 2147483647)");
  on_master("ALTER TABLE t ALTER code TYPE varchar(100), ALTER n TYPE bigint");
  const auto tenant = expect_applied();
  EXPECT_TRUE(has_change(tenant, "safe", "alter column public.t.code: type")) << tenant.dump(2);
  EXPECT_TRUE(has_change(tenant, "rewrite", "alter column public.t.n: type")) << tenant.dump(2);
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT string_agg(column_name || ' ' || data_type || ' ' || "
                   "coalesce(character_maximum_length::text, '-'), ', ' ORDER BY column_name) "
                   "FROM information_schema.columns WHERE table_name = 't'"),
            "code character varying 100, id integer -, n bigint -");
  EXPECT_EQ(scalar(*m_tenant, "SELECT code || n FROM t"), "abc2147483647");
}

TEST_F(SchemaSyncPostgresChanges, NarrowingIsBlockedWithoutAllowDropAndAppliedWithIt) {
  on_both("CREATE TABLE t (id int PRIMARY KEY, code varchar(100), n bigint)");
  on_tenant("INSERT INTO t VALUES (1, 'abc', 5)");
  on_master("ALTER TABLE t ALTER code TYPE varchar(10), ALTER n TYPE int");
  const std::string before = catalog_snapshot(*m_tenant);

  const auto blocked = sync_tenant("", 1);
  EXPECT_EQ(blocked.value("status", ""), "blocked") << blocked.dump(2);
  EXPECT_EQ(blocked.value("changes_applied", 1), 0);
  EXPECT_NE(blocked.value("error", "").find("--allow-drop"), std::string::npos);
  EXPECT_TRUE(has_change(blocked, "destructive", "alter column public.t.code: type"));
  EXPECT_TRUE(has_change(blocked, "destructive", "alter column public.t.n: type"));
  EXPECT_EQ(catalog_snapshot(*m_tenant), before);
  EXPECT_EQ(diff().exit_code, 3);

  expect_applied("--allow-drop");
  EXPECT_EQ(scalar(*m_tenant, "SELECT code || n FROM t"), "abc5");
}

TEST_F(SchemaSyncPostgresChanges, ChangesNullabilityAndDefaults) {
  on_both("CREATE TABLE t (id int PRIMARY KEY, a text NOT NULL, b text, c int DEFAULT 5, d int)");
  on_tenant("INSERT INTO t VALUES (1, 'x', 'y', 5, 1)");
  on_master(
      "ALTER TABLE t ALTER a DROP NOT NULL, ALTER b SET NOT NULL, ALTER c DROP DEFAULT, "
      "ALTER d SET DEFAULT 7");
  const auto tenant = expect_applied();
  EXPECT_TRUE(has_change(tenant, "safe", "alter column public.t.a: drop NOT NULL"));
  EXPECT_TRUE(has_change(tenant, "data_dependent", "alter column public.t.b: set NOT NULL"));
  EXPECT_TRUE(has_change(tenant, "safe", "alter column public.t.c: drop default"));
  EXPECT_TRUE(has_change(tenant, "safe", "alter column public.t.d: default 7"));
  EXPECT_EQ(
      scalar(*m_tenant,
             "SELECT string_agg(column_name || ' ' || is_nullable || ' ' || "
             "coalesce(column_default, '-'), ', ' ORDER BY column_name) "
             "FROM information_schema.columns WHERE table_name = 't' AND column_name <> 'id'"),
      "a YES -, b NO -, c YES -, d YES 7");
}

TEST_F(SchemaSyncPostgresChanges, ChangesPrimaryKey) {
  on_both("CREATE TABLE t (id int, region text NOT NULL, CONSTRAINT t_pkey PRIMARY KEY (id))");
  on_tenant("INSERT INTO t VALUES (1, 'eu'), (2, 'us')");
  on_master("ALTER TABLE t DROP CONSTRAINT t_pkey, ADD CONSTRAINT t_pkey PRIMARY KEY (region, id)");
  const auto tenant = expect_applied();
  EXPECT_TRUE(has_change(tenant, "data_dependent", "add primary key public.t (region, id)"));
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conname = 't_pkey'"),
            "PRIMARY KEY (region, id)");
}

TEST_F(SchemaSyncPostgresChanges, AddsUniqueAndDropsTheOldOneOnlyWithAllowDrop) {
  on_both(
      "CREATE TABLE t (id int PRIMARY KEY, code text, other text, "
      "CONSTRAINT t_other_key UNIQUE (other))");
  on_master("ALTER TABLE t DROP CONSTRAINT t_other_key, ADD CONSTRAINT t_code_key UNIQUE (code)");
  const std::string uniques =
      "SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), ', ' ORDER BY conname) "
      "FROM pg_constraint WHERE contype = 'u' AND connamespace = 'public'::regnamespace";

  const auto kept = sync_tenant("", 0);
  EXPECT_EQ(kept.value("status", ""), "applied") << kept.dump(2);
  EXPECT_TRUE(has_change(kept, "data_dependent", "add unique public.t.t_code_key (code)"));
  EXPECT_EQ(drift_of(kept), "unique public.t.t_other_key");
  EXPECT_EQ(diff().exit_code, 0);
  EXPECT_EQ(scalar(*m_tenant, uniques), "t_code_key UNIQUE (code), t_other_key UNIQUE (other)");

  const auto dropped = expect_applied("--allow-drop");
  EXPECT_TRUE(has_change(dropped, "destructive", "drop unique public.t.t_other_key"));
  EXPECT_EQ(scalar(*m_tenant, uniques), "t_code_key UNIQUE (code)");
}

TEST_F(SchemaSyncPostgresChanges, CreatesPartialExpressionAndChangedIndexes) {
  on_both(
      "CREATE TABLE t (id int PRIMARY KEY, email text, active bool, created date); "
      "CREATE INDEX t_changed ON t (created)");
  on_master(
      "CREATE INDEX t_active_created ON t (created DESC) WHERE active AND email IS NOT NULL; "
      "CREATE UNIQUE INDEX t_email_lower ON t (lower(email)); "
      "CREATE INDEX t_email_hash ON t USING hash (email); "
      "DROP INDEX t_changed; CREATE INDEX t_changed ON t (created, (id % 10))");
  const auto tenant = expect_applied();
  EXPECT_TRUE(has_change(tenant, "safe", "create index public.t.t_active_created"));
  EXPECT_TRUE(has_change(tenant, "safe", "drop index public.t.t_changed"));
  const std::string indexes =
      "SELECT string_agg(indexdef, E'\\n' ORDER BY indexname) FROM pg_indexes "
      "WHERE tablename = 't'";
  EXPECT_EQ(scalar(*m_tenant, indexes), scalar(*m_master, indexes));
  EXPECT_NE(scalar(*m_tenant, indexes)
                .find("t_active_created ON public.t USING btree (created DESC) WHERE (active AND "
                      "(email IS NOT NULL))"),
            std::string::npos)
      << scalar(*m_tenant, indexes);
}

TEST_F(SchemaSyncPostgresChanges, AddsAndChangesForeignKeysAndBreaksCycles) {
  on_both(
      "CREATE TABLE parent (id int PRIMARY KEY); CREATE TABLE other (id int PRIMARY KEY); "
      "CREATE TABLE child (id int PRIMARY KEY, parent_id int, other_id int, "
      "CONSTRAINT child_other_fk FOREIGN KEY (other_id) REFERENCES other (id))");
  on_tenant(
      "INSERT INTO parent VALUES (1); INSERT INTO other VALUES (1); "
      "INSERT INTO child VALUES (1, 1, 1)");
  on_master(
      "ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) "
      "REFERENCES parent (id); "
      "ALTER TABLE child DROP CONSTRAINT child_other_fk, ADD CONSTRAINT child_other_fk "
      "FOREIGN KEY (other_id) REFERENCES other (id) ON DELETE CASCADE; "
      "CREATE TABLE a (id int PRIMARY KEY, b_id int); "
      "CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a (id)); "
      "ALTER TABLE a ADD CONSTRAINT a_b_fk FOREIGN KEY (b_id) REFERENCES b (id) "
      "DEFERRABLE INITIALLY DEFERRED");
  const auto tenant = expect_applied();
  EXPECT_TRUE(has_change(tenant, "data_dependent", "add foreign key public.child.child_parent_fk"));
  EXPECT_TRUE(has_change(tenant, "data_dependent", "add foreign key public.child.child_other_fk"));
  EXPECT_TRUE(has_change(tenant, "safe", "add foreign key public.a.a_b_fk"));
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conname = 'child_other_fk'"),
            "FOREIGN KEY (other_id) REFERENCES other(id) ON DELETE CASCADE");
  // The cycle works: rows that reference each other go in within one transaction.
  m_tenant->execute({"INSERT INTO a VALUES (1, 1)", "INSERT INTO b VALUES (1, 1)"});
  m_tenant->execute({"DELETE FROM other"});
  EXPECT_EQ(scalar(*m_tenant, "SELECT count(*) FROM child"), "0");
}

TEST_F(SchemaSyncPostgresChanges, AddsAndChangesChecks) {
  on_both(
      "CREATE TABLE t (id int PRIMARY KEY, qty int, price numeric, "
      "CONSTRAINT t_price_check CHECK (price > 0))");
  on_tenant("INSERT INTO t VALUES (1, 3, 1.5)");
  on_master(
      "ALTER TABLE t ADD CONSTRAINT t_qty_check CHECK (qty >= 0), "
      "DROP CONSTRAINT t_price_check, ADD CONSTRAINT t_price_check CHECK (price >= 0)");
  const auto tenant = expect_applied();
  EXPECT_TRUE(has_change(tenant, "data_dependent", "add check public.t.t_qty_check"));
  EXPECT_TRUE(has_change(tenant, "data_dependent", "add check public.t.t_price_check"));
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), ', ' "
                   "ORDER BY conname) FROM pg_constraint WHERE contype = 'c' AND connamespace = "
                   "'public'::regnamespace"),
            "t_price_check CHECK ((price >= (0)::numeric)), t_qty_check CHECK ((qty >= 0))");
}

TEST_F(SchemaSyncPostgresChanges, CreatesSequencesAndSerialColumnsOwnedByTheirColumn) {
  on_both("CREATE TABLE items (name text); CREATE SEQUENCE counter INCREMENT 1");
  on_tenant("INSERT INTO items VALUES ('a'), ('b')");
  on_master(
      "CREATE TABLE orders (id serial PRIMARY KEY, note text); "
      "ALTER TABLE items ADD COLUMN id bigserial; "
      "CREATE SEQUENCE invoice_no AS bigint START 1000 INCREMENT 5 MAXVALUE 900000 CYCLE; "
      "ALTER SEQUENCE counter INCREMENT 10");
  const auto tenant = expect_applied();
  EXPECT_TRUE(has_change(tenant, "safe", "create sequence public.orders_id_seq"));
  EXPECT_TRUE(has_change(tenant, "safe", "sequence public.orders_id_seq owned by orders.id"));
  EXPECT_TRUE(has_change(tenant, "safe", "alter sequence public.counter"));
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT pg_get_serial_sequence('orders', 'id') || ' ' || "
                   "pg_get_serial_sequence('items', 'id')"),
            "public.orders_id_seq public.items_id_seq");
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT format('%s %s %s %s %s', data_type, start_value, increment_by, "
                   "max_value, cycle) FROM pg_sequences WHERE sequencename = 'invoice_no'"),
            "bigint 1000 5 900000 t");
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT increment_by FROM pg_sequences "
                   "WHERE sequencename = 'counter'"),
            "10");
  EXPECT_EQ(scalar(*m_tenant, "INSERT INTO orders (note) VALUES ('x') RETURNING id"), "1");
  EXPECT_EQ(scalar(*m_tenant, "SELECT string_agg(name || id, ',' ORDER BY id) FROM items"),
            "a1,b2");
  // Dropping the owner drops the sequence: OWNED BY took.
  m_tenant->execute({"DROP TABLE orders"});
  EXPECT_EQ(scalar(*m_tenant, "SELECT count(*) FROM pg_class WHERE relname = 'orders_id_seq'"),
            "0");
}

TEST_F(SchemaSyncPostgresChanges, AddsIdentityToColumnsAndNewTables) {
  on_both("CREATE TABLE t (id int NOT NULL, name text); CREATE TABLE u (id int, name text)");
  on_tenant("INSERT INTO t VALUES (10, 'ten'); INSERT INTO u VALUES (20, 'twenty')");
  on_master(
      "ALTER TABLE t ALTER id ADD GENERATED ALWAYS AS IDENTITY; "
      "ALTER TABLE u ALTER id SET NOT NULL, ALTER id ADD GENERATED BY DEFAULT AS IDENTITY; "
      "CREATE TABLE n (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, x text)");
  const auto tenant = expect_applied();
  EXPECT_TRUE(has_change(tenant, "safe", "alter column public.t.id: identity")) << tenant.dump(2);
  EXPECT_TRUE(has_change(tenant, "data_dependent", "alter column public.u.id: set NOT NULL"));
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT string_agg(table_name || '.' || column_name || ' ' || is_identity || "
                   "' ' || coalesce(identity_generation, '-') || ' ' || is_nullable, ', ' "
                   "ORDER BY table_name) FROM information_schema.columns WHERE column_name = 'id'"),
            "n.id YES ALWAYS NO, t.id YES ALWAYS NO, u.id YES BY DEFAULT NO");
  EXPECT_EQ(scalar(*m_tenant, "INSERT INTO t (name) VALUES ('one') RETURNING id"), "1");
  EXPECT_EQ(scalar(*m_tenant, "INSERT INTO n (x) VALUES ('one') RETURNING id"), "1");
}

TEST_F(SchemaSyncPostgresChanges, RecreatesAViewAroundAColumnTypeChange) {
  on_both(
      "CREATE TABLE t (id int PRIMARY KEY, name varchar(20), price int); "
      "CREATE VIEW v_names AS SELECT id, name FROM t");
  on_tenant("INSERT INTO t VALUES (1, 'anna', 4), (2, 'bob', 6)");
  // New views whose names sort before the views they read: created in dependency order.
  on_master(
      "DROP VIEW v_names; ALTER TABLE t ALTER name TYPE varchar(50); "
      "CREATE VIEW v_names AS SELECT id, name FROM t; "
      "CREATE VIEW z_prices AS SELECT id, price * 2 AS double_price FROM t; "
      "CREATE VIEW a_expensive AS SELECT id FROM z_prices WHERE double_price > 10");
  const auto tenant = expect_applied();
  EXPECT_TRUE(has_change(tenant, "safe", "drop view public.v_names")) << tenant.dump(2);
  EXPECT_TRUE(has_change(tenant, "safe", "create view public.v_names"));
  EXPECT_TRUE(has_change(tenant, "safe", "create view public.a_expensive"));
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT character_maximum_length FROM information_schema.columns "
                   "WHERE table_name = 'v_names' AND column_name = 'name'"),
            "50");
  EXPECT_EQ(scalar(*m_tenant, "SELECT string_agg(id::text, ',') FROM a_expensive"), "2");
}

// A view that reads a view over a changing column: both go, the reader first.
TEST_F(SchemaSyncPostgresChanges, DropsAViewReadingAViewBeforeTheViewItReads) {
  on_both(
      "CREATE TABLE t (id int PRIMARY KEY, name varchar(20)); "
      "CREATE VIEW v_names AS SELECT id, name FROM t; "
      "CREATE VIEW v_upper AS SELECT id, upper(name) AS uname FROM v_names");
  on_tenant("INSERT INTO t VALUES (1, 'anna'), (2, 'bob')");
  on_master(
      "DROP VIEW v_upper; DROP VIEW v_names; ALTER TABLE t ALTER name TYPE varchar(50); "
      "CREATE VIEW v_names AS SELECT id, name FROM t; "
      "CREATE VIEW v_upper AS SELECT id, upper(name) AS uname FROM v_names");
  const auto tenant = expect_applied();
  EXPECT_TRUE(has_change(tenant, "safe", "drop view public.v_upper")) << tenant.dump(2);
  EXPECT_TRUE(has_change(tenant, "safe", "create view public.v_upper"));
  EXPECT_EQ(scalar(*m_tenant, "SELECT string_agg(uname, ',' ORDER BY id) FROM v_upper"),
            "ANNA,BOB");
}

TEST_F(SchemaSyncPostgresChanges, CreatesEnumsAndAddsLabelsInPlace) {
  on_both("CREATE TYPE mood AS ENUM ('sad', 'happy'); CREATE TABLE t (id int PRIMARY KEY, m mood)");
  on_tenant("INSERT INTO t VALUES (1, 'happy'), (2, 'sad')");
  // ADD VALUE cannot share a transaction with a use of the label: one statement at a time.
  on_master("ALTER TYPE mood ADD VALUE 'ok' AFTER 'sad'");
  on_master("ALTER TYPE mood ADD VALUE 'furious' BEFORE 'sad'");
  on_master("ALTER TYPE mood ADD VALUE 'ecstatic'");
  on_master(
      "CREATE TYPE status AS ENUM ('new', 'done'); "
      "ALTER TABLE t ADD COLUMN s status NOT NULL DEFAULT 'new'");
  const auto tenant = expect_applied();
  EXPECT_TRUE(has_change(tenant, "safe", "add label 'ok' to enum public.mood"));
  EXPECT_TRUE(has_change(tenant, "safe", "create enum public.status"));
  const std::string labels =
      "SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum "
      "WHERE enumtypid = 'mood'::regtype";
  EXPECT_EQ(scalar(*m_tenant, labels), "furious,sad,ok,happy,ecstatic");
  EXPECT_EQ(scalar(*m_tenant, "SELECT string_agg(m || ':' || s, ',' ORDER BY m) FROM t"),
            "sad:new,happy:new");
}

TEST_F(SchemaSyncPostgresChanges, SetsChangesAndRemovesComments) {
  on_both(
      "CREATE TABLE t (id int PRIMARY KEY, name text); CREATE VIEW v AS SELECT id FROM t; "
      "COMMENT ON COLUMN t.name IS 'old'; COMMENT ON TABLE t IS 'old table'");
  on_master(
      "COMMENT ON TABLE t IS 'Customers, one row each'; COMMENT ON COLUMN t.id IS 'It''s the key'; "
      "COMMENT ON COLUMN t.name IS NULL; COMMENT ON VIEW v IS 'Just the ids'");
  const auto tenant = expect_applied();
  EXPECT_TRUE(has_change(tenant, "safe", "comment on table public.t"));
  EXPECT_TRUE(has_change(tenant, "safe", "comment on column public.t.id"));
  EXPECT_TRUE(has_change(tenant, "safe", "comment on view public.v"));
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT concat_ws(' | ', obj_description('t'::regclass, 'pg_class'), "
                   "col_description('t'::regclass, 1), coalesce(col_description('t'::regclass, "
                   "2), '-'), obj_description('v'::regclass, 'pg_class'))"),
            "Customers, one row each | It's the key | - | Just the ids");
}

TEST_F(SchemaSyncPostgresChanges, HandlesQuotedNamesInAnotherSchema) {
  on_master(
      "CREATE SCHEMA \"Sales\"; CREATE TYPE \"Sales\".\"Stage\" AS ENUM ('Lead', 'Won'); "
      "CREATE TABLE \"Sales\".\"Order Items\" (\"Id\" serial PRIMARY KEY, "
      "  \"Qty\" int NOT NULL CHECK (\"Qty\" > 0), \"Name\" text COLLATE \"C\", "
      "  \"Double Qty\" int GENERATED ALWAYS AS (\"Qty\" * 2) STORED, "
      "  \"Stage\" \"Sales\".\"Stage\" DEFAULT 'Lead'); "
      "CREATE INDEX \"Big Orders\" ON \"Sales\".\"Order Items\" (\"Qty\") WHERE \"Qty\" > 100; "
      "CREATE VIEW \"Sales\".\"Big Ones\" AS "
      "  SELECT \"Id\", \"Name\" FROM \"Sales\".\"Order Items\" WHERE \"Qty\" > 100; "
      "COMMENT ON TABLE \"Sales\".\"Order Items\" IS 'Lines'");
  const auto created = expect_applied();
  EXPECT_TRUE(has_change(created, "safe", "create schema Sales")) << created.dump(2);
  on_tenant("INSERT INTO \"Sales\".\"Order Items\" (\"Qty\", \"Name\") VALUES (200, 'x')");
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT concat_ws(' ', \"Id\", \"Double Qty\", \"Stage\") "
                   "FROM \"Sales\".\"Big Ones\" JOIN \"Sales\".\"Order Items\" "
                   "USING (\"Id\", \"Name\")"),
            "1 400 Lead");

  // A changed generation expression: the column is dropped and added again.
  on_master(
      "ALTER TABLE \"Sales\".\"Order Items\" DROP COLUMN \"Double Qty\", "
      "ADD COLUMN \"Double Qty\" int GENERATED ALWAYS AS (\"Qty\" * 3) STORED");
  const auto changed = expect_applied();
  EXPECT_TRUE(has_change(changed, "rewrite", "alter column Sales.Order Items.Double Qty"))
      << changed.dump(2);
  EXPECT_EQ(scalar(*m_tenant, "SELECT \"Double Qty\" FROM \"Sales\".\"Order Items\""), "600");
}

// An identity column's sequence options (START, INCREMENT) are part of the structure: a
// tenant whose ids start at 1 while the master's start at 1000 is not in sync.
TEST_F(SchemaSyncPostgresChanges, IdentityKeepsItsSequenceOptions) {
  on_master(
      "CREATE TABLE tickets (id bigint GENERATED ALWAYS AS IDENTITY "
      "(START WITH 1000 INCREMENT BY 10) PRIMARY KEY, subject text)");
  expect_applied();
  EXPECT_EQ(scalar(*m_tenant, "INSERT INTO tickets (subject) VALUES ('a') RETURNING id"), "1000");
  EXPECT_EQ(scalar(*m_tenant, "INSERT INTO tickets (subject) VALUES ('b') RETURNING id"), "1010");
}

// A tenant whose primary key has another name (made by another tool or version): the key is
// replaced, and the foreign key that depends on its index must not stop that.
TEST_F(SchemaSyncPostgresChanges, ReplacesAPrimaryKeyThatAForeignKeyReferences) {
  on_both(
      "CREATE TABLE parent (id int, CONSTRAINT parent_pkey PRIMARY KEY (id)); "
      "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id))");
  on_tenant("INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1, 1)");
  on_master("ALTER TABLE parent RENAME CONSTRAINT parent_pkey TO parent_id_pk");
  expect_applied();
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
                   "AND conrelid = 'child'::regclass"),
            "1");
}

// INCLUDE columns and operator classes change what an index can serve; a tenant without
// them is not in sync.
TEST_F(SchemaSyncPostgresChanges, IndexesKeepIncludeColumnsAndOperatorClasses) {
  on_both("CREATE TABLE t (id int, v text)");
  on_master(
      "CREATE INDEX t_cover ON t (id) INCLUDE (v); CREATE INDEX t_prefix ON t (v "
      "text_pattern_ops)");
  expect_applied();
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT string_agg(indexdef, E'\\n' ORDER BY indexname) "
                   "FROM pg_indexes WHERE tablename = 't'"),
            "CREATE INDEX t_cover ON public.t USING btree (id) INCLUDE (v)\n"
            "CREATE INDEX t_prefix ON public.t USING btree (v text_pattern_ops)");
}

// Keys that differ only by name are renamed in place, never dropped and made again: the plan
// says RENAME and DROP nowhere, and the comments on them stay.
TEST_F(SchemaSyncPostgresChanges, RenamesKeysThatDifferOnlyByName) {
  on_both("CREATE TABLE parent (id int, code text NOT NULL, qty int NOT NULL)");
  on_both("CREATE TABLE child (id int PRIMARY KEY, parent_id int)");
  on_master(
      "ALTER TABLE parent ADD CONSTRAINT parent_pk PRIMARY KEY (id), ADD CONSTRAINT parent_code_uq "
      "UNIQUE (code), ADD CONSTRAINT parent_qty_positive CHECK (qty > 0); "
      "ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES "
      "parent (id); CREATE INDEX parent_qty_idx ON parent (qty); "
      "COMMENT ON CONSTRAINT parent_qty_positive ON parent IS 'no empty lines'; "
      "COMMENT ON INDEX parent_qty_idx IS 'by quantity'");
  on_tenant(
      "ALTER TABLE parent ADD CONSTRAINT parent_pkey PRIMARY KEY (id), ADD CONSTRAINT "
      "parent_code_key UNIQUE (code), ADD CONSTRAINT parent_qty_check CHECK (qty > 0); "
      "ALTER TABLE child ADD CONSTRAINT child_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES "
      "parent (id); CREATE INDEX parent_qty ON parent (qty); "
      "COMMENT ON CONSTRAINT parent_qty_check ON parent IS 'no empty lines'; "
      "COMMENT ON INDEX parent_qty IS 'by quantity'; INSERT INTO parent VALUES (1, 'a', 2)");
  const CommandOutput planned = diff("--allow-drop");
  EXPECT_EQ(planned.exit_code, 3) << planned.output;
  for (const char* rename :
       {"RENAME CONSTRAINT \"parent_pkey\" TO \"parent_pk\"",
        "RENAME CONSTRAINT \"parent_code_key\" TO \"parent_code_uq\"",
        "RENAME CONSTRAINT \"parent_qty_check\" TO \"parent_qty_positive\"",
        "RENAME CONSTRAINT \"child_parent_id_fkey\" TO \"child_parent_fk\"",
        "ALTER INDEX \"public\".\"parent_qty\" RENAME TO \"parent_qty_idx\""}) {
    EXPECT_NE(planned.output.find(rename), std::string::npos) << rename << "\n" << planned.output;
  }
  EXPECT_EQ(planned.output.find("DROP"), std::string::npos) << planned.output;
  EXPECT_EQ(planned.output.find("COMMENT"), std::string::npos) << planned.output;

  const auto tenant = expect_applied("--allow-drop");
  EXPECT_TRUE(has_change(tenant, "safe",
                         "rename constraint parent_pkey on public.parent to "
                         "parent_pk"))
      << tenant.dump(2);
  EXPECT_EQ(scalar(*m_tenant, "SELECT count(*) FROM parent"), "1");
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT string_agg(obj_description(oid, 'pg_constraint'), ', ') "
                   "FROM pg_constraint WHERE conname = 'parent_qty_positive'"),
            "no empty lines");
  EXPECT_EQ(scalar(*m_tenant, "SELECT obj_description('parent_qty_idx'::regclass, 'pg_class')"),
            "by quantity");
}

// Attributes retyped and reordered, which PostgreSQL refuses while a column uses the type: the
// type is built again and each value cast attribute by attribute; a NULL stays NULL, an
// attribute the master lacks goes (destructive), and the view over the column comes back.
TEST_F(SchemaSyncPostgresChanges, RebuildsACompositeTypeAndKeepsItsValues) {
  on_master(
      "CREATE TYPE amount AS (currency text, cents bigint); "
      "CREATE TABLE invoices (id int PRIMARY KEY, total amount DEFAULT ROW('EUR', 0)::amount); "
      "CREATE VIEW invoice_cents AS SELECT id, (total).cents AS cents FROM invoices");
  on_tenant(
      "CREATE TYPE amount AS (cents int, currency text, note text); "
      "CREATE TABLE invoices (id int PRIMARY KEY, total amount DEFAULT ROW(0, 'EUR', NULL)); "
      "CREATE VIEW invoice_cents AS SELECT id, (total).cents AS cents FROM invoices; "
      "INSERT INTO invoices VALUES (1, ROW(250, 'USD', 'x')), (2, NULL), (3, ROW(NULL, NULL, "
      "NULL))");
  const CommandOutput refused = diff("");
  EXPECT_NE(refused.output.find("build type public.amount again"), std::string::npos)
      << refused.output;
  const auto tenant = expect_applied("--allow-drop");
  EXPECT_TRUE(has_change(tenant, "destructive",
                         "build type public.amount again and cast its 1 column(s) to it"))
      << tenant.dump(2);
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT string_agg(format('%s:%s:%s', id, total, total IS NULL), ' ' "
                   "ORDER BY id) FROM invoices"),
            "1:(USD,250):f 2::t 3:(,):t");
  EXPECT_EQ(scalar(*m_tenant, "SELECT sum(cents) FROM invoice_cents"), "250");
  EXPECT_EQ(scalar(*m_tenant, "INSERT INTO invoices (id) VALUES (4) RETURNING total::text"),
            "(EUR,0)");
  EXPECT_EQ(scalar(*m_tenant, "SELECT count(*) FROM pg_type WHERE typname LIKE '%ferry%'"), "0");
}

// A function whose arguments change is a new function and the old one goes; the default and
// the check that called the old one call the new one after the sync, and still hold.
TEST_F(SchemaSyncPostgresChanges, DefaultsAndChecksFollowARecreatedFunction) {
  on_master(
      "CREATE FUNCTION norm(s text, keep boolean DEFAULT false) RETURNS text LANGUAGE sql "
      "IMMUTABLE AS $$ SELECT CASE WHEN keep THEN trim(s) ELSE upper(trim(s)) END $$");
  on_tenant(
      "CREATE FUNCTION norm(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT "
      "upper(trim(s)) $$");
  on_both(
      "CREATE TABLE items (id int PRIMARY KEY, sku text NOT NULL DEFAULT norm(' new '), "
      "CONSTRAINT items_sku_normal CHECK (sku = norm(sku)))");
  on_tenant("INSERT INTO items VALUES (1, 'AB')");
  const auto tenant = expect_applied("--allow-drop");
  EXPECT_TRUE(has_change(tenant, "safe", "drop check public.items.items_sku_normal"))
      << tenant.dump(2);
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT string_agg(p.oid::regprocedure::text, ', ') FROM pg_proc p "
                   "WHERE proname = 'norm'"),
            "norm(text,boolean)");
  EXPECT_EQ(scalar(*m_tenant, "INSERT INTO items (id) VALUES (2) RETURNING sku"), "NEW");
  EXPECT_THROW(on_tenant("INSERT INTO items VALUES (3, 'lower')"), std::exception);
  EXPECT_EQ(scalar(*m_tenant, "SELECT count(*) FROM items"), "2");
}

}  // namespace
}  // namespace ferry::test
