// Internal: the state diff() builds a plan in, shared by diff.cpp (tables, columns, keys,
// the order of the ops) and diff_objects.cpp (schemas, enums, sequences, views and objects
// compared by definition). Borrows the catalogs and options it is made with: they outlive it.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/schema/catalog.hpp"
#include "ferry/schema/plan.hpp"
#include "plan_ops.hpp"

namespace ferry::schema::detail {

using Key = std::pair<std::string, std::string>;       // (schema, name)
using ObjectKey = std::pair<ObjectKind, std::string>;  // (kind, qualified name)

template <typename T>
std::map<Key, const T*> by_qualified_name(const std::vector<T>& items) {
  std::map<Key, const T*> out;
  for (const T& item : items)
    out[{item.schema, item.name}] = &item;
  return out;
}

template <typename T>
std::map<std::string, const T*> by_name(const std::vector<T>& items) {
  std::map<std::string, const T*> out;
  for (const T& item : items)
    out[item.name] = &item;
  return out;
}

// ASCII lower case: how SQLite compares names.
std::string folded(std::string_view name);

// Whether `text` mentions `word` as a whole identifier (quoted or not).
bool mentions(std::string_view text, std::string_view word);

class Differ {
 public:
  Differ(const Catalog& master, const Catalog& tenant, const DiffOptions& options)
      : m_master(master), m_tenant(tenant), m_options(options) {}

  std::vector<std::string> take_notes() { return std::move(m_notes); }

  // The ops that make the tenant like the master, in execution order; the drift found.
  std::vector<Op> run(std::vector<Drift>& drift);

 private:
  void add(std::vector<Op>& phase, Op op) { phase.push_back(std::move(op)); }

  void report_drift(std::string kind, std::string name) {
    m_drift.push_back({std::move(kind), std::move(name)});
  }

  // The comment `comments` (none: an object the tenant lacks) holds for `name`, if any.
  static std::optional<std::string> comment_in(const std::map<std::string, std::string>* comments,
                                               const std::string& name) {
    if (comments == nullptr)
      return std::nullopt;
    const auto it = comments->find(name);
    return it == comments->end() ? std::nullopt : std::optional(it->second);
  }

  static void set_object(Op& op, const UniqueConstraint& u) { op.unique = &u; }
  static void set_object(Op& op, const Check& c) { op.check = &c; }
  static void set_object(Op& op, const Index& i) { op.index = &i; }
  static void set_object(Op& op, const ForeignKey& f) { op.foreign_key = &f; }

  static ObjectKey key_of(const SchemaObject& o) { return {o.kind, o.qualified_name()}; }

  // Tables, their columns, keys and options (diff.cpp).
  void case_renamed_tables();
  const std::string& master_name_of(const std::string& tenant_table) const;
  void tables();
  void create_table(const Table& t);
  void lift_dependent_foreign_keys();
  void alter_table(const Table& t, const Table& old);
  void table_options(const Table& t, const Table& old);
  void column_order(const Table& t, const Table& old);
  void columns(const Table& t, const Table& old);
  void key_comments(const Table& t, const Table* old);
  void keys(const Table& t, const Table& old);
  const Check* kept_column_check(const Table& t, const Table& old, const Column& c) const;
  static const Table* parent(const Catalog& catalog, const Table& t);
  static int depth(const Catalog& catalog, const Table& t);
  void partition_keys_follow_parents();
  std::vector<Op> ordered();
  void column_checks(const Table& t, const Table& old, std::size_t drops_before,
                     std::size_t adds_before);
  template <typename T, typename Same>
  void match(const Table& t, const Table& old, const std::vector<T>& want,
             const std::vector<T>& have, const char* kind, OpKind add_kind, OpKind drop_kind,
             Risk add_risk, std::vector<Op>& add_phase, std::vector<Op>& drop_phase, bool renames,
             Same same);
  void renamed_partitions();
  // Whether the constraints of the tenant's table `old` may be renamed in place.
  bool renames_keys(const Table& old) const;
  // A rename_constraint or rename_index op of `t`'s key `before` to `name`.
  void add_rename(const Table& t, const Table& old, OpKind kind, const std::string& name,
                  const std::string& before);
  // The name the tenant has for the key (index or constraint) `name` of the master's `t`.
  const std::string& tenant_key_name(const Table& t, const std::string& name) const;

  // Schemas, enums, sequences, views and objects compared by definition (diff_objects.cpp).
  // Objects (SchemaObject) are created, replaced in place (routines whose CREATE OR REPLACE
  // can), or dropped and created again together with every object that uses them. Views that
  // name a recreated routine or type are recreated by views().
  void schemas();
  std::vector<std::pair<const Table*, const Column*>> type_columns(const std::string& schema,
                                                                   const std::string& name) const;
  const EnumType* renamed_enum(const EnumType& e) const;
  void enums();
  void sequences();
  bool owner_dropped(const Sequence& s) const;
  ObjectKey tenant_key(const SchemaObject& o) const;
  static bool type_like(ObjectKind kind);
  static bool routine(ObjectKind kind);
  static bool used_by_columns(const Catalog& catalog, const SchemaObject& o);
  bool rebuildable(const SchemaObject& o) const;
  void objects();
  void objects_on_dropped_relations();
  void expressions_on_dropped_routines();
  const Table* master_table(const Table& old) const;  // the master's table of the tenant's
  const Column& without_default(const Column& c);     // `c` without its default (kept)
  void default_again(const Table& old, const Column& c);
  static std::vector<const SchemaObject*> dependency_order(std::vector<const SchemaObject*> in);
  bool created_early(const SchemaObject& o) const;
  void emit_objects();
  void views();
  bool reads_changed_table(const std::string& definition) const;
  void renamed_objects(ObjectKind kind);
  // A tenant column's declared type under the master's name of a renamed type.
  const std::string& master_type_name(const std::string& declared_type) const;

  const Catalog& m_master;
  const Catalog& m_tenant;
  const DiffOptions& m_options;
  std::vector<Drift> m_drift;
  std::vector<std::string> m_notes;
  // Tables whose columns change or go, and routines and types that are recreated: views that
  // name one are recreated.
  std::set<std::string> m_changed_tables;
  // (table, index or constraint) this plan adds to an existing table: its comment is made
  // again.
  std::set<std::pair<std::string, std::string>> m_made_keys;
  // (table, index or constraint) this plan renames -> the tenant's name for it.
  std::map<std::pair<std::string, std::string>, std::string> m_renamed_keys;
  // Tables the tenant has under another name (tenant name -> master table), and back: SQLite's
  // named in another case, PostgreSQL's renamed partitions.
  std::map<std::string, const Table*> m_renamed;
  std::map<std::string, const Table*> m_renamed_from;
  std::deque<Table> m_respelled;  // the tenant's tables of m_renamed_from, names respelled
  std::set<Key> m_dropped_views;
  std::vector<const SchemaObject*> m_object_creates, m_object_replaces;
  std::set<ObjectKey> m_object_recreate, m_object_drops, m_implicitly_dropped;
  // Tenant routines dropped with the early drops although they are not recreated
  // (expressions_on_dropped_routines).
  std::set<ObjectKey> m_dropped_early;
  std::deque<Column> m_without_default;  // tenant columns as their defaults are dropped
  std::map<ObjectKey, const SchemaObject*> m_tenant_objects, m_master_objects;  // by objects()
  // Objects renamed in place (renamed_objects): tenant's -> master's, and the master's.
  std::map<const SchemaObject*, const SchemaObject*> m_renamed_objects;
  std::set<const SchemaObject*> m_renamed_objects_to;
  // Types (enums, domains, composite types) renamed in place: the tenant's name -> the
  // master's, bare and qualified, as columns declare them.
  std::map<std::string, std::string> m_renamed_types;
  // Phases, in execution order (ordered()).
  std::vector<Op> m_first, m_drop_views, m_drop_objects, m_create_early, m_drop_fks, m_drop_keys,
      m_renames, m_create_tables, m_column_ops, m_drop_columns, m_add_keys, m_add_fks, m_owners,
      m_create_views, m_create_late, m_table_options, m_comments, m_drop_tables, m_drop_late,
      m_last, m_drop_schemas;
};

}  // namespace ferry::schema::detail
