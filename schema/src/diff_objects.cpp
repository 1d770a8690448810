#include <algorithm>
#include <set>

#include "differ.hpp"

namespace ferry::schema::detail {
namespace {

// Identity columns own a sequence the server makes and drops with them: not planned alone.
bool is_identity_sequence(const Catalog& catalog, const Sequence& s) {
  if (!s.owned_by)
    return false;
  const auto dot = s.owned_by->rfind('.');
  if (dot == std::string::npos)
    return false;
  const std::string table = s.owned_by->substr(0, dot);
  const std::string column = s.owned_by->substr(dot + 1);
  for (const Table& t : catalog.tables) {
    if (t.name != table && t.qualified_name() != table)
      continue;
    const Column* c = t.find_column(column);
    if (c != nullptr && c->identity != Identity::none)
      return true;
  }
  return false;
}

}  // namespace

void Differ::schemas() {
  const std::set<std::string> have(m_tenant.schemas.begin(), m_tenant.schemas.end());
  for (const std::string& s : m_master.schemas) {
    if (!have.contains(s))
      add(m_first, Op{.kind = OpKind::create_schema, .name = s});
    const std::optional<std::string> comment = comment_in(&m_master.schema_comments, s);
    if (comment != comment_in(have.contains(s) ? &m_tenant.schema_comments : nullptr, s)) {
      add(m_comments,
          Op{.kind = OpKind::set_comment, .name = s, .comment_on = "schema", .comment = comment});
    }
  }
  const std::set<std::string> want(m_master.schemas.begin(), m_master.schemas.end());
  for (const std::string& s : m_tenant.schemas) {
    if (want.contains(s))
      continue;
    report_drift("schema", s);
    if (m_options.allow_drop)
      add(m_drop_schemas, Op{.kind = OpKind::drop_schema, .risk = Risk::destructive, .name = s});
  }
}

// The tenant's columns (in any schema) whose declared type is the type `schema`.`name`.
std::vector<std::pair<const Table*, const Column*>> Differ::type_columns(
    const std::string& schema, const std::string& name) const {
  const std::string quoted = quote_identifier('"', name);
  const std::set<std::string> names{name, quoted, schema + "." + name,
                                    quote_identifier('"', schema) + "." + quoted};
  std::vector<std::pair<const Table*, const Column*>> out;
  for (const Table& t : m_tenant.tables) {
    for (const Column& c : t.columns) {
      if (!c.inherited && names.contains(c.declared_type))
        out.emplace_back(&t, &c);
    }
  }
  return out;
}

// A tenant-only enum with the labels of the master-only `e`, in its schema: the same type
// under an old name, renamed rather than made anew.
const EnumType* Differ::renamed_enum(const EnumType& e) const {
  for (const EnumType& h : m_tenant.enums) {
    const auto same_name = [&](const EnumType& m) {
      return m.schema == h.schema && m.name == h.name;
    };
    if (h.schema == e.schema && h.labels == e.labels &&
        std::none_of(m_master.enums.begin(), m_master.enums.end(), same_name))
      return &h;
  }
  return nullptr;
}

void Differ::enums() {
  const auto tenant = by_qualified_name(m_tenant.enums);
  const auto master = by_qualified_name(m_master.enums);
  std::set<const EnumType*> renamed;
  for (const auto& [key, e] : master) {
    const auto it = tenant.find(key);
    if (it == tenant.end()) {
      if (const EnumType* old = renamed_enum(*e); old != nullptr && !renamed.contains(old)) {
        renamed.insert(old);
        add(m_first, Op{.kind = OpKind::rename_enum, .enum_type = e, .name = old->name});
        m_renamed_types[old->name] = e->name;
        m_renamed_types[old->schema + "." + old->name] = e->schema + "." + e->name;
      } else {
        add(m_first, Op{.kind = OpKind::create_enum, .enum_type = e});
      }
      continue;
    }
    const std::vector<std::string>& have = it->second->labels;
    // Labels can be added in place; removing or reordering needs a rebuild of the type,
    // unless each label that differs is at the same place: then it is renamed.
    std::vector<std::string> kept;
    for (const std::string& l : e->labels) {
      if (std::find(have.begin(), have.end(), l) != have.end())
        kept.push_back(l);
    }
    if (kept != have && e->labels.size() == have.size()) {
      bool renames_only = true;
      for (std::size_t i = 0; i < have.size() && renames_only; ++i) {
        renames_only = e->labels[i] == have[i] ||
                       (std::find(have.begin(), have.end(), e->labels[i]) == have.end() &&
                        std::find(e->labels.begin(), e->labels.end(), have[i]) == e->labels.end());
      }
      if (renames_only) {
        for (std::size_t i = 0; i < have.size(); ++i) {
          if (e->labels[i] != have[i]) {
            add(m_first, Op{.kind = OpKind::rename_enum_label,
                            .enum_type = e,
                            .name = e->labels[i],
                            .before = have[i]});
          }
        }
        continue;
      }
    }
    if (kept != have) {
      // A new type under the name, each column cast to it by its text (a row holding a
      // removed label stops the plan), the old type dropped. Named enums are PostgreSQL's.
      add(m_first, Op{.kind = OpKind::replace_enum,
                      .risk = Risk::data_dependent,
                      .enum_type = e,
                      .type_columns = type_columns(it->second->schema, it->second->name)});
      continue;
    }
    std::string previous;
    for (const std::string& l : e->labels) {
      if (std::find(have.begin(), have.end(), l) == have.end()) {
        add(m_first, Op{.kind = OpKind::add_enum_label,
                        .enum_type = e,
                        .name = l,
                        .after = previous,
                        .before = previous.empty() && !have.empty() ? have.front() : ""});
      }
      previous = l;
    }
  }
  for (const auto& [key, e] : tenant) {
    if (master.contains(key) || renamed.contains(e))
      continue;
    report_drift("enum", e->qualified_name());
    if (m_options.allow_drop) {
      add(m_last, Op{.kind = OpKind::drop_enum, .risk = Risk::destructive, .enum_type = e});
    }
  }
}

void Differ::sequences() {
  const auto tenant = by_qualified_name(m_tenant.sequences);
  for (const Sequence& s : m_master.sequences) {
    if (is_identity_sequence(m_master, s))
      continue;
    const auto it = tenant.find({s.schema, s.name});
    if (it == tenant.end()) {
      add(m_first, Op{.kind = OpKind::create_sequence, .sequence = &s});
      if (s.owned_by)
        add(m_owners, Op{.kind = OpKind::set_sequence_owner, .sequence = &s});
      continue;
    }
    Sequence a = s, b = *it->second;
    a.owned_by.reset();
    b.owned_by.reset();
    a.privileges = b.privileges = {};  // diff_privileges.cpp
    if (!(a == b))
      add(m_first, Op{.kind = OpKind::alter_sequence, .sequence = &s, .old_sequence = it->second});
    if (s.owned_by != it->second->owned_by && s.owned_by) {
      add(m_owners, Op{.kind = OpKind::set_sequence_owner, .sequence = &s});
    }
  }
  const auto master = by_qualified_name(m_master.sequences);
  for (const Sequence& s : m_tenant.sequences) {
    if (master.contains({s.schema, s.name}) || is_identity_sequence(m_tenant, s))
      continue;
    report_drift("sequence", s.qualified_name());
    // A sequence owned by a table or column that this plan drops goes with it.
    if (m_options.allow_drop && !owner_dropped(s)) {
      add(m_last, Op{.kind = OpKind::drop_sequence, .risk = Risk::destructive, .sequence = &s});
    }
  }
}

bool Differ::owner_dropped(const Sequence& s) const {
  if (!s.owned_by)
    return false;
  const auto dot = s.owned_by->rfind('.');
  const std::string table = s.owned_by->substr(0, dot);
  const std::string column = dot == std::string::npos ? "" : s.owned_by->substr(dot + 1);
  for (const Table& t : m_master.tables) {
    if (t.name == table || t.qualified_name() == table) {
      return t.find_column(column) == nullptr;
    }
  }
  return true;
}

// A tenant object's key, on the master's name of its table (case-only renames).
ObjectKey Differ::tenant_key(const SchemaObject& o) const {
  if (o.table.empty() || !m_renamed.contains(o.table))
    return key_of(o);
  SchemaObject renamed = o;
  renamed.table = master_name_of(o.table);
  return key_of(renamed);
}

bool Differ::type_like(ObjectKind kind) {
  return kind == ObjectKind::extension || kind == ObjectKind::collation ||
         kind == ObjectKind::domain || kind == ObjectKind::composite_type;
}

bool Differ::routine(ObjectKind kind) {
  return kind == ObjectKind::function || kind == ObjectKind::procedure;
}

// Whether the tenant's type `o` can be built again beside itself and its columns cast to
// the new one: only columns use it (no routine, domain or other type, which would keep the old
// one from being dropped), each of exactly the type (not an array or domain of it).
bool Differ::rebuildable(const SchemaObject& o) const {
  const std::string name = o.qualified_name();
  for (const SchemaObject& other : m_tenant.objects) {
    if (std::find(other.uses.begin(), other.uses.end(), name) != other.uses.end())
      return false;
    if (&other != &o && type_like(other.kind) && !other.definition.empty() &&
        mentions(other.definition.front(), o.name))
      return false;
  }
  std::size_t exact = type_columns(o.schema, o.name).size(), any = 0;
  for (const Table& t : m_tenant.tables) {
    for (const Column& c : t.columns)
      any += !c.inherited && mentions(c.declared_type, o.name) ? 1 : 0;
  }
  return exact == any;
}

// Whether any column of `catalog` is declared with the type `o` (a domain or composite).
bool Differ::used_by_columns(const Catalog& catalog, const SchemaObject& o) {
  for (const Table& t : catalog.tables) {
    for (const Column& c : t.columns) {
      if (mentions(c.declared_type, o.name))
        return true;
    }
  }
  return false;
}

// PostgreSQL: a master-only and a tenant-only object of `kind` whose definitions are equal but
// for their names, in the same schema and on the same table, are one object under two names,
// renamed in place (where the pairing is unambiguous: one candidate on each side). Domains and
// composite types are renamed before the tables change (their columns follow the rename),
// exclusion constraints with the tables' renames.
void Differ::renamed_objects(ObjectKind kind) {
  if (m_master.dialect != Dialect::postgres)
    return;
  std::set<ObjectKey> master_keys, tenant_keys;
  for (const SchemaObject& o : m_master.objects)
    master_keys.insert(key_of(o));
  for (const SchemaObject& o : m_tenant.objects)
    tenant_keys.insert(tenant_key(o));
  std::map<const SchemaObject*, std::vector<const SchemaObject*>> for_master, for_tenant;
  for (const SchemaObject& m : m_master.objects) {
    if (m.kind != kind || tenant_keys.contains(key_of(m)))
      continue;
    for (const SchemaObject& t : m_tenant.objects) {
      if (t.kind != kind || master_keys.contains(tenant_key(t)) || t.schema != m.schema ||
          master_name_of(t.table) != m.table)
        continue;
      if (nameless_definition(m) == nameless_definition(t)) {
        for_master[&m].push_back(&t);
        for_tenant[&t].push_back(&m);
      }
    }
  }
  for (const auto& [m, candidates] : for_master) {
    const SchemaObject* t = candidates.front();
    if (candidates.size() != 1 || for_tenant[t].size() != 1)
      continue;
    m_renamed_objects[t] = m;
    m_renamed_objects_to.insert(m);
    const Op op{.kind = OpKind::rename_object, .object = m, .old_object = t};
    if (kind == ObjectKind::constraint) {
      add(m_renames, op);
    } else {
      add(m_first, op);
      m_renamed_types[t->name] = m->name;
      m_renamed_types[t->schema + "." + t->name] = m->schema + "." + m->name;
    }
  }
}

const std::string& Differ::master_type_name(const std::string& declared_type) const {
  const auto it = m_renamed_types.find(declared_type);
  return it == m_renamed_types.end() ? declared_type : it->second;
}

void Differ::objects() {
  renamed_objects(ObjectKind::constraint);
  for (const SchemaObject& o : m_tenant.objects)
    m_tenant_objects[tenant_key(o)] = &o;
  for (const SchemaObject& o : m_master.objects)
    m_master_objects[key_of(o)] = &o;
  const auto& tenant = m_tenant_objects;
  const auto& master = m_master_objects;
  const std::set<std::string> available(m_tenant.available_extensions.begin(),
                                        m_tenant.available_extensions.end());
  for (const auto& [key, o] : master) {
    const auto it = tenant.find(key);
    if (it == tenant.end()) {
      if (m_renamed_objects_to.contains(o))
        continue;  // renamed_objects()
      if (o->kind == ObjectKind::extension && !m_tenant.available_extensions.empty() &&
          !available.contains(o->name)) {
        add(m_first, Op{.kind = OpKind::missing_extension, .object = o});
      } else {
        m_object_creates.push_back(o);
      }
      continue;
    }
    const SchemaObject& old = *it->second;
    if (o->kind == ObjectKind::extension) {
      if (o->replace_key != old.replace_key || o->version != old.version) {
        add(m_first, Op{.kind = OpKind::alter_extension,
                        .object = o,
                        .name = o->replace_key != old.replace_key ? o->replace_key : "",
                        .after = o->version != old.version ? o->version.value_or("") : ""});
      }
      continue;
    }
    if (o->definition == old.definition && o->replace_key == old.replace_key)
      continue;
    if (routine(o->kind) && m_master.dialect == Dialect::postgres &&
        o->replace_key == old.replace_key) {
      m_object_replaces.push_back(o);
    } else if (type_like(o->kind) && used_by_columns(m_tenant, old)) {
      // Columns keep the type: it changes in place where PostgreSQL can, else by hand.
      InPlaceChange change;
      std::vector<std::pair<const Table*, const Column*>> columns;
      if (m_master.dialect == Dialect::postgres) {
        columns = type_columns(old.schema, old.name);
        change = alter_in_place(*o, old, rebuildable(old) ? columns : decltype(columns){});
      } else {
        change.blocked = "it cannot be changed in place";
      }
      if (change.blocked.empty()) {
        // A type built again casts its columns, after the views that read them are dropped;
        // their defaults, which may name the old type, are dropped with it and the master's
        // set again by the column ops that follow.
        Op op{.kind = OpKind::alter_object, .risk = change.risk, .object = o, .old_object = &old};
        if (change.rebuilt) {
          for (const auto& [t, c] : columns) {
            m_changed_tables.insert(t->name);
            if (c->default_expr)
              default_again(*t, *c);
          }
          op.type_columns = std::move(columns);
          m_column_ops.insert(m_column_ops.begin(), std::move(op));
        } else {
          add(m_first, std::move(op));
        }
      } else {
        add(m_first, Op{.kind = OpKind::manual_object, .object = o, .name = change.blocked});
      }
    } else {
      m_object_recreate.insert(key);
    }
  }
  for (const auto& [key, o] : tenant) {
    if (master.contains(key) || m_renamed_objects.contains(o))
      continue;
    report_drift(to_string(o->kind), o->qualified_name());
    if (m_options.allow_drop)
      m_object_drops.insert(key);
  }
  // What uses a recreated object is recreated with it (a trigger calling a function whose
  // return type changed): dropped first, created again after.
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [key, o] : tenant) {
      if (m_object_recreate.contains(key) || m_object_drops.contains(key))
        continue;
      const bool uses_recreated = std::any_of(o->uses.begin(), o->uses.end(), [&](auto& u) {
        return std::any_of(m_object_recreate.begin(), m_object_recreate.end(),
                           [&](const ObjectKey& r) { return r.second == u; });
      });
      if (uses_recreated) {
        m_object_recreate.insert(key);
        grew = true;
      }
    }
  }
  // Views naming a recreated routine or type go and come back around it.
  for (const ObjectKey& key : m_object_recreate) {
    const SchemaObject* o = tenant.at(key);
    if (routine(o->kind) || type_like(o->kind))
      m_changed_tables.insert(o->name);
  }
}

// Triggers and rules on a view that is dropped go with it; SQLite's triggers go with a
// table it rebuilds. Both are created again after.
void Differ::objects_on_dropped_relations() {
  for (const SchemaObject& o : m_tenant.objects) {
    if (o.table.empty())
      continue;
    const ObjectKey key = tenant_key(o);
    const bool on_dropped_view = m_dropped_views.contains({o.schema, o.table});
    const bool on_rebuilt_table =
        m_master.dialect == Dialect::sqlite && m_changed_tables.contains(o.table);
    if (on_dropped_view)
      m_implicitly_dropped.insert(key);
    if ((on_dropped_view || on_rebuilt_table) && !m_object_drops.contains(key))
      m_object_recreate.insert(key);
  }
}

// PostgreSQL will not drop a routine that a column default or a check calls, and keeps the
// call bound to that routine even when one of the same name replaces it. The catalog holds
// such expressions as text: each that names a routine this plan drops or recreates is
// dropped first and, where the master has it, set again once the master's routines exist;
// a dropped routine so freed goes with the early drops, before the defaults come back.
void Differ::expressions_on_dropped_routines() {
  if (m_master.dialect != Dialect::postgres)
    return;
  std::vector<std::pair<ObjectKey, const SchemaObject*>> gone;
  for (const auto& [key, o] : m_tenant_objects) {
    if (routine(o->kind) && (m_object_drops.contains(key) || m_object_recreate.contains(key)))
      gone.emplace_back(key, o);
  }
  const auto names_gone = [&](const std::string& text) {
    bool any = false;
    for (const auto& [key, o] : gone) {
      if (mentions(text, o->name)) {
        any = true;
        if (m_object_drops.contains(key))
          m_dropped_early.insert(key);
      }
    }
    return any;
  };
  for (const Table& old : m_tenant.tables) {
    const Table* t = master_table(old);
    for (const Column& c : old.columns) {
      if (c.inherited || !c.default_expr || !names_gone(*c.default_expr))
        continue;
      add(m_first, Op{.kind = OpKind::alter_column,
                      .table = &old,
                      .old_table = &old,
                      .column = &without_default(c),
                      .old_column = &c,
                      .delta = {.default_expr = true}});
      default_again(old, c);
    }
    for (const Check& k : old.checks) {
      if (!names_gone(k.expression))
        continue;
      const auto same = [&](const Op& o) {
        return o.check != nullptr && o.check->name == k.name &&
               (o.table == &old || o.table == t || o.old_table == &old);
      };
      std::erase_if(m_drop_keys,
                    [&](const Op& o) { return o.kind == OpKind::drop_check && same(o); });
      add(m_first, Op{.kind = OpKind::drop_check, .table = &old, .old_table = &old, .check = &k});
      if (t == nullptr)
        continue;
      const auto want = std::find_if(t->checks.begin(), t->checks.end(),
                                     [&](const Check& w) { return w.name == k.name; });
      const bool added = std::any_of(m_add_keys.begin(), m_add_keys.end(), [&](const Op& o) {
        return o.kind == OpKind::add_check && same(o);
      });
      if (want == t->checks.end() || added)
        continue;
      add(m_add_keys, Op{.kind = OpKind::add_check,
                         .risk = Risk::data_dependent,
                         .table = t,
                         .old_table = &old,
                         .check = &*want});
      if (const auto comment = comment_in(&t->constraint_comments, k.name)) {
        add(m_comments, Op{.kind = OpKind::set_comment,
                           .table = t,
                           .name = k.name,
                           .comment_on = "constraint",
                           .comment = comment});
      }
    }
  }
}

const Table* Differ::master_table(const Table& old) const {
  const std::string& name = master_name_of(old.name);
  for (const Table& t : m_master.tables) {
    if (t.schema == old.schema && t.name == name)
      return &t;
  }
  return nullptr;
}

const Column& Differ::without_default(const Column& c) {
  Column& bare = m_without_default.emplace_back(c);
  bare.default_expr.reset();
  return bare;
}

// The tenant's column `c` of `old` lost its default before the column ops: the master's is
// set again with them (by the column's own alter_column op where it has one).
void Differ::default_again(const Table& old, const Column& c) {
  const Table* t = master_table(old);
  const Column* want = t == nullptr ? nullptr : t->find_column(c.name);
  if (want == nullptr || !want->default_expr)
    return;
  const auto op = std::find_if(m_column_ops.begin(), m_column_ops.end(), [&](const Op& o) {
    return o.kind == OpKind::alter_column && o.table == t && o.column == want;
  });
  if (op != m_column_ops.end()) {
    op->delta.default_expr = true;
    op->old_column = &without_default(c);
  } else {
    add(m_column_ops, Op{.kind = OpKind::alter_column,
                         .table = t,
                         .old_table = &old,
                         .column = want,
                         .old_column = &without_default(c),
                         .delta = {.default_expr = true}});
  }
}

// `objects` ordered so that each comes after those in the list it uses; ties by kind, then
// name. A cycle is placed in catalog order.
std::vector<const SchemaObject*> Differ::dependency_order(std::vector<const SchemaObject*> in) {
  std::stable_sort(in.begin(), in.end(),
                   [](const SchemaObject* a, const SchemaObject* b) { return a->kind < b->kind; });
  std::vector<const SchemaObject*> out;
  std::set<const SchemaObject*> placed;
  for (std::size_t round = 0; round <= in.size() && out.size() < in.size(); ++round) {
    for (const SchemaObject* o : in) {
      if (placed.contains(o))
        continue;
      const bool ready = std::none_of(in.begin(), in.end(), [&](const SchemaObject* other) {
        return other != o && !placed.contains(other) &&
               std::find(o->uses.begin(), o->uses.end(), other->qualified_name()) != o->uses.end();
      });
      if (ready || round == in.size()) {
        out.push_back(o);
        placed.insert(o);
      }
    }
  }
  return out;
}

// Routines and types that use no table or view of the master are created before the tables
// (column types, defaults and checks may use them); the rest after the views.
bool Differ::created_early(const SchemaObject& o) const {
  if (type_like(o.kind))
    return true;
  if (!routine(o.kind))
    return false;
  return std::none_of(o.uses.begin(), o.uses.end(), [&](const std::string& u) {
    for (const Table& t : m_master.tables) {
      if (t.qualified_name() == u)
        return true;
    }
    for (const View& v : m_master.views) {
      if (v.qualified_name() == u)
        return true;
    }
    return false;
  });
}

void Differ::emit_objects() {
  const auto& tenant = m_tenant_objects;
  const auto& master = m_master_objects;
  // Drops: users before what they use (reverse dependency order).
  std::vector<const SchemaObject*> early_drops, late_drops;
  for (const auto& [key, o] : tenant) {
    if (m_implicitly_dropped.contains(key))
      continue;
    if (m_object_recreate.contains(key)) {
      early_drops.push_back(o);
    } else if (m_object_drops.contains(key)) {
      // Tenant-only routines and types may be used by columns or defaults this plan drops:
      // they go after the tables.
      const bool late = (routine(o->kind) || type_like(o->kind)) && !m_dropped_early.contains(key);
      (late ? late_drops : early_drops).push_back(o);
    }
  }
  for (auto [list, phase] :
       {std::pair{&early_drops, &m_drop_objects}, std::pair{&late_drops, &m_drop_late}}) {
    std::vector<const SchemaObject*> order = dependency_order(*list);
    std::reverse(order.begin(), order.end());
    for (const SchemaObject* o : order) {
      const bool drift = !master.contains(tenant_key(*o));
      add(*phase, Op{.kind = OpKind::drop_object,
                     .risk = drift ? Risk::destructive : Risk::safe,
                     .object = o});
    }
  }
  // Creates and in-place replaces, in dependency order.
  std::vector<const SchemaObject*> creates = m_object_creates;
  for (const ObjectKey& key : m_object_recreate) {
    const auto it = master.find(key);
    if (it != master.end()) {
      creates.push_back(it->second);
    } else if (!m_options.allow_drop) {
      creates.push_back(tenant.at(key));  // a tenant-only object taken along: put back
    }
  }
  creates.insert(creates.end(), m_object_replaces.begin(), m_object_replaces.end());
  std::set<const SchemaObject*> replaces(m_object_replaces.begin(), m_object_replaces.end());
  for (const SchemaObject* o : dependency_order(creates)) {
    const bool replace = replaces.contains(o);
    const Risk risk = o->kind == ObjectKind::constraint ? Risk::data_dependent : Risk::safe;
    add(created_early(*o) ? m_create_early : m_create_late,
        Op{.kind = replace ? OpKind::replace_object : OpKind::create_object,
           .risk = risk,
           .object = o});
  }
}

// Views: a changed view, or one that reads a table whose columns change, is dropped before
// the change and created again after it; so is every view that reads a dropped view.
void Differ::views() {
  const auto tenant = by_qualified_name(m_tenant.views);
  const auto master = by_qualified_name(m_master.views);
  std::set<Key> drop, create;
  for (const auto& [key, v] : master) {
    const auto it = tenant.find(key);
    if (it == tenant.end()) {
      create.insert(key);
    } else if (v->definition != it->second->definition ||
               v->materialized != it->second->materialized || v->options != it->second->options ||
               v->check_option != it->second->check_option ||
               reads_changed_table(it->second->definition)) {
      drop.insert(key);
      create.insert(key);
    }
  }
  for (const auto& [key, v] : tenant) {
    if (master.contains(key))
      continue;
    report_drift("view", v->qualified_name());
    if (m_options.allow_drop || reads_changed_table(v->definition))
      drop.insert(key);
  }
  // Views reading a dropped view go too (and come back if the master has them).
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [key, v] : tenant) {
      if (drop.contains(key))
        continue;
      for (const Key& d : std::set<Key>(drop)) {
        if (mentions(v->definition, d.second)) {
          drop.insert(key);
          if (master.contains(key))
            create.insert(key);
          grew = true;
          break;
        }
      }
    }
  }
  // A tenant-only view that has to go for a column change is recreated as it was, unless
  // allow_drop says to drop drift.
  // Dependents first: a view goes before the views it reads.
  std::vector<Key> drop_order;
  std::set<Key> dropped;
  for (std::size_t round = 0; round <= drop.size() && drop_order.size() < drop.size(); ++round) {
    for (const Key& key : drop) {
      if (dropped.contains(key))
        continue;
      const bool read_by_other = std::any_of(drop.begin(), drop.end(), [&](const Key& other) {
        return other != key && !dropped.contains(other) &&
               mentions(tenant.at(other)->definition, key.second);
      });
      if (!read_by_other || round == drop.size()) {
        drop_order.push_back(key);
        dropped.insert(key);
      }
    }
  }
  m_dropped_views = drop;
  for (const Key& key : drop_order) {
    const View* v = tenant.at(key);
    const bool drift_drop = !master.contains(key) && m_options.allow_drop;
    add(m_drop_views, Op{.kind = OpKind::drop_view,
                         .risk = drift_drop ? Risk::destructive : Risk::safe,
                         .view = v});
  }
  std::vector<const View*> to_create;
  for (const Key& key : create)
    to_create.push_back(master.at(key));
  for (const Key& key : drop) {
    if (!master.contains(key) && !m_options.allow_drop)
      to_create.push_back(tenant.at(key));
  }
  // Dependency order: a view after the views it reads.
  std::vector<const View*> ordered;
  std::set<const View*> placed;
  for (std::size_t round = 0; round <= to_create.size() && ordered.size() < to_create.size();
       ++round) {
    for (const View* v : to_create) {
      if (placed.contains(v))
        continue;
      const bool ready = std::none_of(to_create.begin(), to_create.end(), [&](const View* o) {
        return o != v && !placed.contains(o) && mentions(v->definition, o->name);
      });
      if (ready || round == to_create.size()) {
        ordered.push_back(v);
        placed.insert(v);
      }
    }
  }
  for (const View* v : ordered) {
    add(m_create_views, Op{.kind = OpKind::create_view, .view = v});
    const auto it = tenant.find({v->schema, v->name});
    const bool comment_changed = it == tenant.end() ? v->comment.has_value()
                                                    : v->comment != it->second->comment ||
                                                          drop.contains({v->schema, v->name});
    if (comment_changed && v->comment) {
      add(m_comments, Op{.kind = OpKind::set_view_comment, .view = v});
    }
  }
  for (const auto& [key, v] : master) {
    const auto it = tenant.find(key);
    if (it != tenant.end() && !drop.contains(key) && v->comment != it->second->comment) {
      add(m_comments, Op{.kind = OpKind::set_view_comment, .view = v});
    }
  }
}

// SQLite resolves names without regard to case: so does the search there.
bool Differ::reads_changed_table(const std::string& definition) const {
  const bool sqlite = m_master.dialect == Dialect::sqlite;
  const std::string text = sqlite ? folded(definition) : definition;
  return std::any_of(m_changed_tables.begin(), m_changed_tables.end(),
                     [&](const std::string& t) { return mentions(text, sqlite ? folded(t) : t); });
}

}  // namespace ferry::schema::detail
