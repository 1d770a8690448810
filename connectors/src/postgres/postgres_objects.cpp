// Introspection of the objects compared by definition (schema::SchemaObject): extensions,
// collations, domains, composite types, routines, exclusion constraints, materialized views'
// indexes, triggers, policies and rules; and the list of what ferry does not model. Part of
// the catalog snapshot (postgres_catalog.cpp): one query per kind, whatever the number of
// objects.
#include <string>

#include "ferry/schema/catalog.hpp"
#include "postgres/postgres_session.hpp"

namespace ferry::connectors::postgres {
namespace {

using schema::ObjectKind;

// The query's user schemas and extension members, computed once for every kind (common table
// expressions that the kinds' queries join) rather than once per kind: user schemas are those
// of postgres_catalog.cpp's user_schema(), extension members those its not_extension() skips.
std::string common_ctes() {
  return "user_ns AS MATERIALIZED (SELECT n.oid FROM pg_namespace n WHERE " + user_schema("n") +
         "), ext AS MATERIALIZED (SELECT classid, objid FROM pg_depend WHERE deptype = 'e')";
}

std::string in_user_schema(std::string_view ns) {
  return std::string(ns) + ".oid IN (SELECT oid FROM user_ns)";
}

std::string not_in_extension(std::string_view catalog, std::string_view oid) {
  return "NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = '" + std::string(catalog) +
         "'::regclass AND ext.objid = " + std::string(oid) + ")";
}

// What objects use, from pg_depend, computed once for every kind (a common table expression
// joined by each kind's query): per dependent object (classid, objid), the sorted qualified
// names of the user objects it depends on, in the form of schema::SchemaObject::qualified_name()
// and Table::qualified_name(): relations as "schema.name" (a table's row type names the
// table), types as "schema.name", routines as "schema.name(argument types)". System objects
// are left out, and so are the dependents that are not SchemaObjects (keys and checks,
// indexes, tables).
constexpr std::string_view k_uses_cte =
    "uses AS MATERIALIZED (SELECT classid, objid, array_agg(DISTINCT name ORDER BY name) AS "
    "names FROM (SELECT d.classid, d.objid, COALESCE(rn.nspname || '.' || rc.relname, "
    "  CASE WHEN tc.relkind IS NOT NULL AND tc.relkind <> 'c' "
    "  THEN tcn.nspname || '.' || tc.relname ELSE tn.nspname || '.' || t.typname END, "
    "  pn.nspname || '.' || pp.proname || '(' || pg_get_function_identity_arguments(pp.oid) || "
    "  ')') AS name "
    "FROM pg_depend d "
    "LEFT JOIN pg_class rc ON d.refclassid = 'pg_class'::regclass AND rc.oid = d.refobjid "
    "LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace "
    "LEFT JOIN pg_type t ON d.refclassid = 'pg_type'::regclass AND t.oid = d.refobjid "
    "LEFT JOIN pg_namespace tn ON tn.oid = t.typnamespace "
    "LEFT JOIN pg_class tc ON tc.oid = t.typrelid "
    "LEFT JOIN pg_namespace tcn ON tcn.oid = tc.relnamespace "
    "LEFT JOIN pg_proc pp ON d.refclassid = 'pg_proc'::regclass AND pp.oid = d.refobjid "
    "LEFT JOIN pg_namespace pn ON pn.oid = pp.pronamespace "
    "WHERE d.refobjid >= 16384 AND d.deptype IN ('n', 'a') AND (d.classid IN "
    "('pg_type'::regclass, 'pg_proc'::regclass, 'pg_trigger'::regclass, "
    "'pg_policy'::regclass, 'pg_rewrite'::regclass) OR d.classid = 'pg_constraint'::regclass "
    "AND d.objid IN (SELECT oid FROM pg_constraint WHERE contype = 'x') "
    "OR d.classid = 'pg_class'::regclass "
    "AND d.objid IN (SELECT oid FROM pg_class WHERE relkind = 'c'))) x WHERE name IS NOT NULL "
    "GROUP BY classid, objid)";

// The uses of the object `oid` of `catalog`: a join (as `alias`) on k_uses_cte.
std::string uses_join(std::string_view alias, std::string_view catalog, std::string_view oid) {
  const std::string a(alias);
  return " LEFT JOIN uses " + a + " ON " + a + ".classid = '" + std::string(catalog) +
         "'::regclass AND " + a + ".objid = " + std::string(oid);
}

// Each query returns: schema, name, signature, table, the statements that create the object
// (a text array), replace key, version, uses.
std::string extensions_query() {
  return "SELECT '', e.extname, '', '', ARRAY[format('CREATE EXTENSION IF NOT EXISTS %I WITH "
         "SCHEMA %I', e.extname, n.nspname)], n.nspname, e.extversion, '{}'::text[] "
         "FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
         "WHERE e.extname <> 'plpgsql'";
}

std::string collations_query() {
  return "SELECT n.nspname, co.collname, '', '', ARRAY[format('CREATE COLLATION %I.%I (%s, "
         "deterministic = %s)', n.nspname, co.collname, CASE co.collprovider "
         "WHEN 'i' THEN format('provider = icu, locale = %L', "
         "  COALESCE(to_jsonb(co) ->> 'colliculocale', to_jsonb(co) ->> 'colllocale')) "
         "ELSE format('provider = libc, lc_collate = %L, lc_ctype = %L', co.collcollate, "
         "  co.collctype) END, CASE WHEN co.collisdeterministic THEN 'true' ELSE 'false' END)], "
         "'', NULL, '{}'::text[] "
         "FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace WHERE " +
         in_user_schema("n") + " AND " + not_in_extension("pg_collation", "co.oid");
}

// A domain in parts, one statement each, which the structure diff changes one by one (ALTER
// DOMAIN) when columns use it: CREATE DOMAIN with the base type and collation, then its
// default, NOT NULL, each check by name, and its comment.
std::string domains_query() {
  return "SELECT n.nspname, t.typname, '', '', ARRAY[format('CREATE DOMAIN %I.%I AS %s', "
         "n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod)) || "
         "CASE WHEN t.typcollation <> bt.typcollation THEN ' COLLATE ' || "
         "  (SELECT quote_ident(cn.nspname) || '.' || quote_ident(c.collname) FROM pg_collation c "
         "   JOIN pg_namespace cn ON cn.oid = c.collnamespace WHERE c.oid = t.typcollation) "
         "ELSE '' END] || CASE WHEN t.typdefault IS NULL THEN '{}'::text[] ELSE "
         "ARRAY[format('ALTER DOMAIN %I.%I SET DEFAULT %s', n.nspname, t.typname, t.typdefault)] "
         "END || CASE WHEN t.typnotnull THEN ARRAY[format('ALTER DOMAIN %I.%I SET NOT NULL', "
         "n.nspname, t.typname)] ELSE '{}'::text[] END || ARRAY(SELECT format('ALTER DOMAIN "
         "%I.%I ADD CONSTRAINT %I %s', n.nspname, t.typname, con.conname, "
         "pg_get_constraintdef(con.oid)) FROM pg_constraint con WHERE con.contypid = t.oid AND "
         "con.contype = 'c' ORDER BY con.conname) || ARRAY(SELECT format('COMMENT ON DOMAIN "
         "%I.%I IS %L', n.nspname, t.typname, d.description) FROM pg_description d WHERE "
         "d.objoid = t.oid AND d.classoid = 'pg_type'::regclass), '', NULL, "
         "COALESCE(u.names, '{}') FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
         "JOIN pg_type bt ON bt.oid = t.typbasetype" +
         uses_join("u", "pg_type", "t.oid") + " WHERE t.typtype = 'd' AND " + in_user_schema("n") +
         " AND " + not_in_extension("pg_type", "t.oid");
}

std::string composite_types_query() {
  return "SELECT n.nspname, t.typname, '', '', ARRAY[format('CREATE TYPE %I.%I AS (%s)', "
         "n.nspname, t.typname, (SELECT string_agg(quote_ident(a.attname) || ' ' || "
         "format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attcollation <> at.typcollation "
         "THEN ' COLLATE ' || (SELECT quote_ident(cn.nspname) || '.' || quote_ident(c.collname) "
         "FROM pg_collation c JOIN pg_namespace cn ON cn.oid = c.collnamespace WHERE c.oid = "
         "a.attcollation) ELSE '' END, ', ' ORDER BY a.attnum) FROM pg_attribute a "
         "JOIN pg_type at ON at.oid = a.atttypid WHERE a.attrelid = t.typrelid AND a.attnum > 0 "
         "AND NOT a.attisdropped))], '', NULL, "
         "COALESCE(u.names, '{}') FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
         "JOIN pg_class c ON c.oid = t.typrelid" +
         uses_join("u", "pg_class", "t.typrelid") +
         " WHERE t.typtype = 'c' AND c.relkind = 'c' AND " + in_user_schema("n") + " AND " +
         not_in_extension("pg_type", "t.oid");
}

// pg_get_functiondef prints CREATE OR REPLACE with every attribute (language, volatility,
// strictness, security, SET clauses, cost, rows, parallel) and the body as stored. What OR
// REPLACE cannot change is the return type and the arguments' names, modes and defaults.
std::string routines_query() {
  return "SELECT n.nspname, p.proname, '(' || pg_get_function_identity_arguments(p.oid) || ')', "
         "CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, "
         "ARRAY[pg_get_functiondef(p.oid)] || ARRAY(SELECT format('COMMENT ON %s %I.%I(%s) IS "
         "%L', CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, n.nspname, "
         "p.proname, pg_get_function_identity_arguments(p.oid), d.description) "
         "FROM pg_description d WHERE d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass), "
         "COALESCE(pg_get_function_result(p.oid), '') || ' <- ' || "
         "pg_get_function_arguments(p.oid), NULL, "
         "COALESCE(u.names, '{}') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace" +
         uses_join("u", "pg_proc", "p.oid") + " WHERE p.prokind IN ('f', 'p') AND " +
         in_user_schema("n") + " AND " + not_in_extension("pg_proc", "p.oid");
}

std::string exclusion_constraints_query() {
  return "SELECT n.nspname, con.conname, '', c.relname, ARRAY[format('ALTER TABLE %I.%I ADD "
         "CONSTRAINT %I %s', n.nspname, c.relname, con.conname, pg_get_constraintdef(con.oid))] "
         "|| ARRAY(SELECT format('COMMENT ON CONSTRAINT %I ON %I.%I IS %L', con.conname, "
         "n.nspname, c.relname, d.description) FROM pg_description d WHERE d.objoid = con.oid "
         "AND d.classoid = 'pg_constraint'::regclass), '', NULL, "
         "COALESCE(u.names, '{}') FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid "
         "JOIN pg_namespace n ON n.oid = c.relnamespace" +
         uses_join("u", "pg_constraint", "con.oid") +
         " WHERE con.contype = 'x' "
         "AND con.conparentid = 0 AND " +
         in_user_schema("n") + " AND " + not_in_extension("pg_class", "c.oid");
}

std::string matview_indexes_query() {
  return "SELECT n.nspname, ic.relname, '', c.relname, ARRAY[pg_get_indexdef(i.indexrelid)], "
         "'', NULL, '{}'::text[] FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
         "JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
         "WHERE c.relkind = 'm' AND " +
         in_user_schema("n") + " AND " + not_in_extension("pg_class", "c.oid");
}

// Internal triggers (foreign keys') are part of their constraint, and a partition's clone of
// its parent's trigger is part of the parent's. A trigger that is not plainly enabled carries
// the ALTER TABLE that sets its state.
std::string triggers_query() {
  return "SELECT n.nspname, t.tgname, '', c.relname, ARRAY[pg_get_triggerdef(t.oid)] || "
         "CASE t.tgenabled WHEN 'O' THEN '{}'::text[] ELSE ARRAY[format('ALTER TABLE %I.%I %s "
         "TRIGGER %I', n.nspname, c.relname, CASE t.tgenabled WHEN 'D' THEN 'DISABLE' "
         "WHEN 'R' THEN 'ENABLE REPLICA' ELSE 'ENABLE ALWAYS' END, t.tgname)] END || "
         "ARRAY(SELECT format('COMMENT ON TRIGGER %I ON %I.%I IS %L', t.tgname, n.nspname, "
         "c.relname, d.description) FROM pg_description d WHERE d.objoid = t.oid AND "
         "d.classoid = 'pg_trigger'::regclass), '', NULL, "
         "COALESCE(u.names, '{}') FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
         "JOIN pg_namespace n ON n.oid = c.relnamespace" +
         uses_join("u", "pg_trigger", "t.oid") +
         " WHERE NOT t.tgisinternal "
         "AND t.tgparentid = 0 AND " +
         in_user_schema("n") + " AND " + not_in_extension("pg_class", "c.oid");
}

std::string policies_query() {
  return "SELECT p.schemaname, p.policyname, '', p.tablename, ARRAY[format('CREATE POLICY %I ON "
         "%I.%I AS %s FOR %s TO %s', p.policyname, p.schemaname, p.tablename, p.permissive, "
         "p.cmd, (SELECT string_agg(CASE WHEN r = 'public' THEN 'PUBLIC' ELSE quote_ident(r) END, "
         "', ' ORDER BY r) FROM unnest(p.roles) r)) || COALESCE(' USING (' || p.qual || ')', '') "
         "|| COALESCE(' WITH CHECK (' || p.with_check || ')', '')], '', NULL, "
         "COALESCE(u.names, '{}') FROM pg_policies p "
         "JOIN pg_namespace n ON n.nspname = p.schemaname "
         "JOIN pg_class c ON c.relname = p.tablename AND c.relnamespace = n.oid "
         "JOIN pg_policy pol ON pol.polrelid = c.oid AND pol.polname = p.policyname" +
         uses_join("u", "pg_policy", "pol.oid") + " WHERE " + in_user_schema("n") + " AND " +
         not_in_extension("pg_class", "c.oid");
}

std::string rules_query() {
  return "SELECT n.nspname, r.rulename, '', c.relname, ARRAY[pg_get_ruledef(r.oid)], '', NULL, "
         "COALESCE(u.names, '{}') FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class "
         "JOIN pg_namespace n ON n.oid = c.relnamespace" +
         uses_join("u", "pg_rewrite", "r.oid") + " WHERE r.rulename <> '_RETURN' AND " +
         in_user_schema("n") + " AND " + not_in_extension("pg_class", "c.oid");
}

// What ferry does not model, by the catalogs' own names, so a pair holding any of it is never
// called equal. User objects only: not the system's, not an extension's.
std::string unmodelled_query() {
  const std::string ns = in_user_schema("n");
  const auto object = [&](std::string_view kind, std::string_view name, std::string_view from,
                          std::string_view catalog, std::string_view oid) {
    return "SELECT '" + std::string(kind) + "', " + std::string(name) + " FROM " +
           std::string(from) + " WHERE " + ns + " AND " + not_in_extension(catalog, oid);
  };
  const std::string parts[] = {
      object("aggregate",
             "n.nspname || '.' || p.proname || '(' || "
             "pg_get_function_identity_arguments(p.oid) || ')'",
             "pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND p.prokind IN ('a', "
             "'w')",
             "pg_proc", "p.oid"),
      object("comment on a primary key, unique or exclusion index", "n.nspname || '.' || c.relname",
             "pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND c.relkind = 'i' "
             "AND obj_description(c.oid, 'pg_class') IS NOT NULL AND EXISTS (SELECT 1 FROM "
             "pg_constraint con WHERE con.conindid = c.oid AND con.contype IN ('p', 'u', 'x'))",
             "pg_class", "c.oid"),
      object("foreign table", "n.nspname || '.' || c.relname",
             "pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND c.relkind = 'f'",
             "pg_class", "c.oid"),
      object("type", "n.nspname || '.' || t.typname",
             "pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace AND t.typtype IN ('b', "
             "'r', 'p') AND t.typcategory <> 'A'",
             "pg_type", "t.oid"),
      object("operator", "n.nspname || '.' || o.oprname",
             "pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace", "pg_operator", "o.oid"),
      object("operator class", "n.nspname || '.' || o.opcname",
             "pg_opclass o JOIN pg_namespace n ON n.oid = o.opcnamespace", "pg_opclass", "o.oid"),
      object("operator family", "n.nspname || '.' || o.opfname",
             "pg_opfamily o JOIN pg_namespace n ON n.oid = o.opfnamespace", "pg_opfamily", "o.oid"),
      object("conversion", "n.nspname || '.' || o.conname",
             "pg_conversion o JOIN pg_namespace n ON n.oid = o.connamespace", "pg_conversion",
             "o.oid"),
      object("text search configuration", "n.nspname || '.' || o.cfgname",
             "pg_ts_config o JOIN pg_namespace n ON n.oid = o.cfgnamespace", "pg_ts_config",
             "o.oid"),
      object("text search dictionary", "n.nspname || '.' || o.dictname",
             "pg_ts_dict o JOIN pg_namespace n ON n.oid = o.dictnamespace", "pg_ts_dict", "o.oid"),
      object("statistics object", "n.nspname || '.' || o.stxname",
             "pg_statistic_ext o JOIN pg_namespace n ON n.oid = o.stxnamespace", "pg_statistic_ext",
             "o.oid"),
      "SELECT 'cast', format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, "
      "NULL) FROM pg_cast c WHERE c.oid >= 16384 AND " +
          not_in_extension("pg_cast", "c.oid"),
      "SELECT 'event trigger', et.evtname FROM pg_event_trigger et WHERE " +
          not_in_extension("pg_event_trigger", "et.oid"),
      "SELECT 'publication', p.pubname FROM pg_publication p",
      "SELECT 'foreign data wrapper', w.fdwname FROM pg_foreign_data_wrapper w WHERE " +
          not_in_extension("pg_foreign_data_wrapper", "w.oid"),
      "SELECT 'foreign server', s.srvname FROM pg_foreign_server s WHERE " +
          not_in_extension("pg_foreign_server", "s.oid"),
      "SELECT 'language', l.lanname FROM pg_language l WHERE l.oid >= 16384 AND " +
          not_in_extension("pg_language", "l.oid"),
      "SELECT 'transform', format_type(t.trftype, NULL) FROM pg_transform t WHERE " +
          not_in_extension("pg_transform", "t.oid"),
  };
  std::string out;
  for (const std::string& part : parts)
    out += (out.empty() ? "" : " UNION ALL ") + part;
  return out;
}

}  // namespace

void read_objects(Session& session, schema::Catalog& catalog) {
  struct Source {
    ObjectKind kind;
    std::string query;
  };
  const Source sources[] = {
      {ObjectKind::extension, extensions_query()},
      {ObjectKind::collation, collations_query()},
      {ObjectKind::domain, domains_query()},
      {ObjectKind::composite_type, composite_types_query()},
      {ObjectKind::function, routines_query()},
      {ObjectKind::constraint, exclusion_constraints_query()},
      {ObjectKind::index, matview_indexes_query()},
      {ObjectKind::trigger, triggers_query()},
      {ObjectKind::policy, policies_query()},
      {ObjectKind::rule, rules_query()},
  };
  // One round trip: every kind's rows, tagged with the kind's position in `sources`, then what
  // ferry does not model, tagged -1 (its kind and name in the schema and name columns).
  std::string all = "WITH " + common_ctes() + ", " + std::string(k_uses_cte);
  for (std::size_t i = 0; i < std::size(sources); ++i) {
    all += (i == 0 ? " " : " UNION ALL ") + ("SELECT " + std::to_string(i) + ", * FROM (" +
                                             sources[i].query + ") q" + std::to_string(i));
  }
  all += " UNION ALL SELECT -1, kind, name, '', '', '{}'::text[], '', NULL, '{}'::text[] FROM (" +
         unmodelled_query() + ") AS others(kind, name)";
  for (const TextRow& row : session.query(all, "reading the catalog (routines, triggers, ...)")) {
    const auto value = [&](std::size_t i) { return row[i] ? *row[i] : std::string(); };
    if (value(0) == "-1") {
      catalog.unmodelled.push_back({value(1), value(2)});
      continue;
    }
    schema::SchemaObject o;
    o.kind = sources[std::stoul(value(0))].kind;
    if (o.kind == ObjectKind::function && value(4) == "procedure")
      o.kind = ObjectKind::procedure;
    o.schema = value(1);
    o.name = value(2);
    o.signature = value(3);
    o.table = o.kind == ObjectKind::function || o.kind == ObjectKind::procedure ? "" : value(4);
    o.definition = parse_text_array(value(5));
    o.replace_key = value(6);
    o.version = row[7];
    o.uses = parse_text_array(value(8));
    catalog.objects.push_back(std::move(o));
  }
}

}  // namespace ferry::connectors::postgres
