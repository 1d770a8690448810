// Owners and grants (--with-privileges): compared by meaning, as sets of (grantee, privilege,
// grant option) with the grantor left out, and planned as ALTER ... OWNER TO, REVOKE and GRANT
// after the rest of the plan.
#include "diff_privileges.hpp"

#include <charconv>
#include <map>
#include <set>
#include <tuple>

#include "ferry/common/error.hpp"

namespace ferry::schema::detail {
namespace {

using Key = std::tuple<std::string, std::string, std::string, std::string>;
// (grantee, privilege) -> grantable
using GrantSet = std::map<std::pair<std::string, std::string>, bool>;

struct Subject {
  PrivilegeTarget target;
  const Privileges* privileges = nullptr;
  bool owned_sequence = false;  // its owner follows its table's (ALTER TABLE ... OWNER TO)
};

Key key_of(const PrivilegeTarget& t) {
  return {t.kind, t.schema, t.name, t.signature};
}

std::vector<Subject> subjects(const Catalog& c) {
  std::vector<Subject> out;
  for (const std::string& s : c.schemas) {
    const auto it = c.schema_privileges.find(s);
    if (it != c.schema_privileges.end())
      out.push_back({{"schema", "", s, ""}, &it->second});
  }
  for (const Table& t : c.tables)
    out.push_back({{"table", t.schema, t.name, ""}, &t.privileges});
  for (const View& v : c.views)
    out.push_back(
        {{v.materialized ? "materialized view" : "view", v.schema, v.name, ""}, &v.privileges});
  for (const Sequence& s : c.sequences)
    out.push_back({{"sequence", s.schema, s.name, ""}, &s.privileges, s.owned_by.has_value()});
  for (const SchemaObject& o : c.objects) {
    if (o.kind == ObjectKind::function || o.kind == ObjectKind::procedure)
      out.push_back({{to_string(o.kind), o.schema, o.name, o.signature}, &o.privileges});
  }
  return out;
}

// The objects `ops` create, or drop and create again: they start from fresh privileges.
std::set<Key> made_by(const std::vector<Op>& ops) {
  std::set<Key> out;
  for (const Op& op : ops) {
    switch (op.kind) {
      case OpKind::create_schema:
        out.insert({"schema", "", op.name, ""});
        break;
      case OpKind::create_table:
        out.insert({"table", op.table->schema, op.table->name, ""});
        break;
      case OpKind::create_view:
        out.insert({op.view->materialized ? "materialized view" : "view", op.view->schema,
                    op.view->name, ""});
        break;
      case OpKind::create_sequence:
        out.insert({"sequence", op.sequence->schema, op.sequence->name, ""});
        break;
      case OpKind::create_object:
        out.insert(
            {to_string(op.object->kind), op.object->schema, op.object->name, op.object->signature});
        break;
      default:
        break;
    }
  }
  return out;
}

int major_version(const std::string& version) {
  int major = 0;
  std::from_chars(version.data(), version.data() + version.size(), major);
  return major;
}

// What acldefault() gives a new object of `kind` owned by `owner`.
GrantSet defaults(std::string_view kind, const std::string& owner, int major) {
  std::vector<std::string> privileges;
  GrantSet out;
  if (kind == "schema") {
    privileges = {"USAGE", "CREATE"};
  } else if (kind == "sequence") {
    privileges = {"SELECT", "UPDATE", "USAGE"};
  } else if (kind == "function" || kind == "procedure") {
    privileges = {"EXECUTE"};
    out[{"PUBLIC", "EXECUTE"}] = false;
  } else {
    privileges = {"INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"};
    if (major >= 17)
      privileges.push_back("MAINTAIN");
  }
  for (const std::string& p : privileges)
    out[{owner, p}] = false;
  return out;
}

// `grants` as a set, with what `from` held held by `to` instead: ALTER ... OWNER TO rewrites
// the ACL that way.
GrantSet grant_set(const std::vector<Grant>& grants, const std::string& from,
                   const std::string& to) {
  GrantSet out;
  for (const Grant& g : grants) {
    bool& grantable = out[{g.grantee == from ? to : g.grantee, g.privilege}];
    grantable = grantable || g.grantable;
  }
  return out;
}

void add_privilege_ops(std::vector<Op>& out, const Subject& master, const Privileges* tenant,
                       int major) {
  const std::string& owner = master.privileges->owner;
  const bool fresh = tenant == nullptr;
  if (!master.owned_sequence && (fresh || tenant->owner != owner))
    out.push_back(Op{.kind = OpKind::set_owner, .name = owner, .target = master.target});
  const GrantSet have = fresh ? defaults(master.target.kind, owner, major)
                              : grant_set(tenant->grants, tenant->owner, owner);
  const GrantSet want = grant_set(master.privileges->grants, owner, owner);
  std::vector<Grant> revokes, grants;
  for (const auto& [key, grantable] : have) {
    const auto it = want.find(key);
    if (it == want.end())
      revokes.push_back({key.first, key.second, false});
    else if (grantable && !it->second)
      revokes.push_back({key.first, key.second, true});
  }
  for (const auto& [key, grantable] : want) {
    const auto it = have.find(key);
    if (it == have.end() || (grantable && !it->second))
      grants.push_back({key.first, key.second, grantable});
  }
  if (!revokes.empty())
    out.push_back(Op{.kind = OpKind::revoke, .target = master.target, .grants = revokes});
  if (!grants.empty())
    out.push_back(Op{.kind = OpKind::grant, .target = master.target, .grants = grants});
}

}  // namespace

std::vector<Op> privilege_ops(const Catalog& master, const Catalog& tenant,
                              const std::vector<Op>& ops) {
  std::map<Key, const Privileges*> have;
  for (const Subject& s : subjects(tenant))
    have[key_of(s.target)] = s.privileges;
  const std::set<Key> made = made_by(ops);
  const int major = major_version(tenant.server_version);
  std::vector<Op> changes;
  for (const Subject& s : subjects(master)) {
    if (s.privileges->owner.empty())
      continue;  // not read
    const Key key = key_of(s.target);
    const auto it = have.find(key);
    const bool fresh = it == have.end() || it->second->owner.empty() || made.contains(key);
    add_privilege_ops(changes, s, fresh ? nullptr : it->second, major);
  }
  // Roles are the server's: one the plan names that the tenant's server lacks blocks the plan.
  std::set<std::string> missing;
  if (!tenant.roles.empty()) {
    const std::set<std::string> roles(tenant.roles.begin(), tenant.roles.end());
    const auto check = [&](const std::string& role) {
      if (role != "PUBLIC" && !roles.contains(role))
        missing.insert(role);
    };
    for (const Op& op : changes) {
      if (op.kind == OpKind::set_owner)
        check(op.name);
      for (const Grant& g : op.grants)
        check(g.grantee);
    }
  }
  std::vector<Op> out;
  for (const std::string& role : missing)
    out.push_back(Op{.kind = OpKind::missing_role, .name = role});
  out.insert(out.end(), changes.begin(), changes.end());
  return out;
}

}  // namespace ferry::schema::detail

namespace ferry::schema {

void check_options(Dialect dialect, const DiffOptions& options) {
  if (!options.privileges || dialect == Dialect::postgres)
    return;
  throw Error(ErrorKind::usage,
              std::string("--with-privileges compares PostgreSQL privileges and ownership only: ") +
                  (dialect == Dialect::mysql
                       ? "MySQL/MariaDB privileges belong to the server's accounts (GRANT ... ON "
                         "db.*), not to the schema"
                       : "SQLite has none") +
                  "; run without it");
}

}  // namespace ferry::schema
