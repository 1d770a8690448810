// Owners and grants of schemas, tables, views, sequences and routines (--with-privileges): one
// query over pg_namespace, pg_class and pg_proc, one row per ACL item, and one over pg_roles.
// Read in the caller's catalog snapshot.
#include <map>
#include <string>
#include <tuple>

#include "postgres/postgres_session.hpp"

namespace ferry::connectors::postgres {
namespace {

// A NULL ACL means the owner's defaults: acldefault() spells them out, so an object never
// granted on and one whose defaults were granted explicitly read alike. The grantor is left
// out; grantee 0 is PUBLIC.
std::string acl_query() {
  return "WITH acl AS ("
         "SELECT 'schema' AS kind, n.nspname AS nsp, '' AS name, '' AS signature, "
         "n.nspowner AS owner, COALESCE(n.nspacl, acldefault('n', n.nspowner)) AS acl "
         "FROM pg_namespace n WHERE " +
         user_schema("n") +
         " UNION ALL "
         "SELECT CASE WHEN c.relkind = 'S' THEN 'sequence' WHEN c.relkind IN ('v', 'm') "
         "THEN 'view' ELSE 'table' END, n.nspname, c.relname, '', c.relowner, "
         "COALESCE(c.relacl, acldefault((CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' "
         "END)::\"char\", "
         "c.relowner)) "
         "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
         "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND " +
         user_schema("n") + " AND " + not_extension("pg_class", "c.oid") +
         " UNION ALL "
         "SELECT 'routine', n.nspname, p.proname, "
         "'(' || pg_get_function_identity_arguments(p.oid) || ')', p.proowner, "
         "COALESCE(p.proacl, acldefault('f', p.proowner)) "
         "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
         "WHERE p.prokind IN ('f', 'p') AND " +
         user_schema("n") + " AND " + not_extension("pg_proc", "p.oid") +
         ") SELECT a.kind, a.nsp, a.name, a.signature, pg_get_userbyid(a.owner), "
         "CASE WHEN e.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(e.grantee) END, "
         "e.privilege_type, e.is_grantable "
         "FROM acl a LEFT JOIN LATERAL aclexplode(a.acl) e ON true";
}

using ObjectKey = std::tuple<std::string, std::string, std::string, std::string>;

}  // namespace

void read_privileges(Session& session, schema::Catalog& catalog) {
  std::map<ObjectKey, schema::Privileges*> targets;
  for (const std::string& s : catalog.schemas)
    targets[{"schema", s, "", ""}] = &catalog.schema_privileges[s];
  for (schema::Table& t : catalog.tables)
    targets[{"table", t.schema, t.name, ""}] = &t.privileges;
  for (schema::View& v : catalog.views)
    targets[{"view", v.schema, v.name, ""}] = &v.privileges;
  for (schema::Sequence& s : catalog.sequences)
    targets[{"sequence", s.schema, s.name, ""}] = &s.privileges;
  for (schema::SchemaObject& o : catalog.objects) {
    if (o.kind == schema::ObjectKind::function || o.kind == schema::ObjectKind::procedure)
      targets[{"routine", o.schema, o.name, o.signature}] = &o.privileges;
  }
  // (grantee, privilege) -> grantable: the same privilege granted by two grantors is one.
  std::map<schema::Privileges*, std::map<std::pair<std::string, std::string>, bool>> grants;
  for (const TextRow& row : session.query(acl_query(), "reading the catalog (privileges)")) {
    const auto value = [&](std::size_t i) { return row[i] ? *row[i] : std::string(); };
    const auto it = targets.find({value(0), value(1), value(2), value(3)});
    if (it == targets.end())
      continue;
    it->second->owner = value(4);
    auto& held = grants[it->second];
    if (row[5]) {
      bool& grantable = held[{value(5), value(6)}];
      grantable = grantable || value(7) == "t";
    }
  }
  for (auto& [privileges, held] : grants) {
    for (const auto& [key, grantable] : held)
      privileges->grants.push_back({key.first, key.second, grantable});
  }
  for (const TextRow& row :
       session.query("SELECT rolname FROM pg_roles", "reading the server's roles")) {
    catalog.roles.push_back(row[0].value_or(""));
  }
}

}  // namespace ferry::connectors::postgres
