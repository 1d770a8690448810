#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <type_traits>

#include "diff_privileges.hpp"
#include "differ.hpp"
#include "ferry/common/error.hpp"
#include "type_change.hpp"

namespace ferry::schema {
namespace detail {

std::string folded(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

namespace {

bool is_ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

}  // namespace

bool mentions(std::string_view text, std::string_view word) {
  if (word.empty())
    return false;
  std::size_t pos = 0;
  while ((pos = text.find(word, pos)) != std::string_view::npos) {
    const bool left = pos == 0 || !is_ident_char(text[pos - 1]);
    const std::size_t end = pos + word.size();
    const bool right = end >= text.size() || !is_ident_char(text[end]);
    if (left && right)
      return true;
    pos = end;
  }
  return false;
}

namespace {

// Equal whether IGNORED or not: MariaDB changes that in place (set_index_ignored).
bool same_index(const Index& a, const Index& b) {
  return a.keys == b.keys && a.include == b.include && a.unique == b.unique &&
         a.method == b.method && a.predicate == b.predicate;
}

// The collation a column has: its own, else, for a character column, its table's default
// (MySQL; tables elsewhere have none).
std::optional<std::string> effective_collation(const Table& t, const Column& c) {
  if (c.collation || (c.type != LogicalType::text && c.type != LogicalType::enumeration))
    return c.collation;
  return t.collation;
}

// Pairs each item of `want` whose name `have` lacks with the item of `have`, whose name `want`
// lacks, that is `same` but for its name: the one key under another name, renamed rather than
// dropped and made again. Only where the pairing is unambiguous: exactly one candidate on each
// side. Master item -> tenant item.
template <typename T, typename Same>
std::map<const T*, const T*> renamed_pairs(const std::vector<T>& want, const std::vector<T>& have,
                                           Same same) {
  const auto want_by_name = by_name(want);
  const auto have_by_name = by_name(have);
  std::map<const T*, std::vector<const T*>> for_want, for_have;
  for (const T& w : want) {
    if (have_by_name.contains(w.name))
      continue;
    for (const T& h : have) {
      if (want_by_name.contains(h.name))
        continue;
      T renamed = h;
      renamed.name = w.name;
      if (same(w, renamed)) {
        for_want[&w].push_back(&h);
        for_have[&h].push_back(&w);
      }
    }
  }
  std::map<const T*, const T*> out;
  for (const auto& [w, candidates] : for_want) {
    if (candidates.size() == 1 && for_have[candidates.front()].size() == 1)
      out[w] = candidates.front();
  }
  return out;
}

}  // namespace

std::vector<Op> Differ::run(std::vector<Drift>& drift) {
  schemas();
  enums();
  sequences();
  renamed_objects(ObjectKind::domain);
  renamed_objects(ObjectKind::composite_type);
  tables();
  partition_keys_follow_parents();
  lift_dependent_foreign_keys();
  objects();
  views();
  objects_on_dropped_relations();
  expressions_on_dropped_routines();
  emit_objects();
  drift = std::move(m_drift);
  return ordered();
}

// SQLite compares table names without regard to (ASCII) case: a tenant table whose name
// differs from a master table's only in case is that table, renamed with ALTER TABLE (which
// SQLite allows), never a second one to create beside it. Tenant name -> master table.
void Differ::case_renamed_tables() {
  if (m_master.dialect != Dialect::sqlite)
    return;
  const auto tenant = by_qualified_name(m_tenant.tables);
  const auto master = by_qualified_name(m_master.tables);
  std::map<std::string, const Table*> unmatched;  // folded name -> tenant table
  for (const Table& t : m_tenant.tables) {
    if (!master.contains({t.schema, t.name}))
      unmatched[folded(t.name)] = &t;
  }
  for (const Table& t : m_master.tables) {
    if (tenant.contains({t.schema, t.name}))
      continue;
    const auto it = unmatched.find(folded(t.name));
    if (it == unmatched.end())
      continue;
    // The constraint names SQLite does not store are made from the table's name (the
    // connector's "<table>_pkey", ...): compared under the master's spelling.
    Table& old = m_respelled.emplace_back(*it->second);
    const std::string prefix = old.name + "_";
    const auto respell = [&](std::string& name) {
      if (name.starts_with(prefix))
        name = t.name + "_" + name.substr(prefix.size());
    };
    if (old.primary_key)
      respell(old.primary_key->name);
    for (UniqueConstraint& u : old.uniques)
      respell(u.name);
    for (ForeignKey& fk : old.foreign_keys)
      respell(fk.name);
    for (Check& c : old.checks)
      respell(c.name);
    m_renamed[old.name] = &t;
    m_renamed_from[t.name] = &old;
    unmatched.erase(it);
  }
}

// The name a tenant table has in the master (the master's spelling of a case-only rename).
const std::string& Differ::master_name_of(const std::string& tenant_table) const {
  const auto it = m_renamed.find(tenant_table);
  return it == m_renamed.end() ? tenant_table : it->second->name;
}

// PostgreSQL: a master-only partition and a tenant-only one of the same parent with the same
// bound are one partition under two names, renamed with ALTER TABLE (where the pairing is
// unambiguous), never dropped with its rows and made again.
void Differ::renamed_partitions() {
  if (m_master.dialect != Dialect::postgres)
    return;
  std::vector<Table> want, have;  // partitions of one side only, named "schema.name"
  const auto partitions = [](const Catalog& side, const Catalog& other, std::vector<Table>& out) {
    for (const Table& t : side.tables) {
      if (t.partition_of && other.find_table(t.schema, t.name) == nullptr) {
        Table& p = out.emplace_back();
        p.name = t.qualified_name();
        p.schema = t.schema;
        p.partition_of = t.partition_of;
        p.partition_bound = t.partition_bound;
      }
    }
  };
  partitions(m_master, m_tenant, want);
  partitions(m_tenant, m_master, have);
  const auto same = [](const Table& a, const Table& b) {
    return a.schema == b.schema && a.partition_of == b.partition_of &&
           a.partition_bound == b.partition_bound;
  };
  for (const auto& [w, h] : renamed_pairs(want, have, same)) {
    const Table* master = nullptr;
    const Table* tenant = nullptr;
    for (const Table& t : m_master.tables)
      master = t.qualified_name() == w->name ? &t : master;
    for (const Table& t : m_tenant.tables)
      tenant = t.qualified_name() == h->name ? &t : tenant;
    m_renamed[tenant->name] = master;
    m_renamed_from[master->name] = tenant;
  }
}

void Differ::tables() {
  case_renamed_tables();
  renamed_partitions();
  const auto tenant = by_qualified_name(m_tenant.tables);
  for (const Table& t : m_master.tables) {
    const auto it = tenant.find({t.schema, t.name});
    const auto renamed = m_renamed_from.find(t.name);
    if (renamed != m_renamed_from.end()) {
      const Table& old = *renamed->second;
      add(m_renames, Op{.kind = OpKind::rename_table, .table = &t, .old_table = &old});
      // Views and triggers that name the table are made again after the rename, which
      // rewrites the names in their stored text.
      m_changed_tables.insert(old.name);
      m_changed_tables.insert(t.name);
      alter_table(t, old);
    } else if (it == tenant.end()) {
      create_table(t);
    } else {
      alter_table(t, *it->second);
    }
  }
  const auto master = by_qualified_name(m_master.tables);
  for (const Table& t : m_tenant.tables) {
    if (master.contains({t.schema, t.name}) || m_renamed.contains(t.name))
      continue;
    report_drift("table", t.qualified_name());
    if (!m_options.allow_drop)
      continue;
    for (const ForeignKey& fk : t.foreign_keys) {
      add(m_drop_fks, Op{.kind = OpKind::drop_foreign_key, .table = &t, .foreign_key = &fk});
    }
    add(m_drop_tables, Op{.kind = OpKind::drop_table, .risk = Risk::destructive, .table = &t});
    m_changed_tables.insert(t.name);
  }
}

void Differ::create_table(const Table& t) {
  add(m_create_tables, Op{.kind = OpKind::create_table, .table = &t});
  for (const Index& i : t.indexes) {
    add(m_add_keys, Op{.kind = OpKind::create_index, .table = &t, .index = &i});
  }
  // A partition gets its parent's foreign keys as clones when it is created.
  for (const ForeignKey& fk : t.foreign_keys) {
    if (!t.partition_of)
      add(m_add_fks, Op{.kind = OpKind::add_foreign_key, .table = &t, .foreign_key = &fk});
  }
  if (t.comment)
    add(m_comments, Op{.kind = OpKind::set_table_comment, .table = &t});
  key_comments(t, nullptr);
  if (t.row_security || t.force_row_security)
    add(m_table_options, Op{.kind = OpKind::set_row_security, .table = &t});
  for (const Column& c : t.columns) {
    if (c.comment) {
      add(m_comments, Op{.kind = OpKind::set_column_comment, .table = &t, .column = &c});
    }
  }
}

// A foreign key blocks changes to the key it references and to the columns it uses
// (PostgreSQL: "constraint ... depends on index"; MySQL: errors 1832/1833). Such keys are
// dropped before the change and added back after it, unless the plan already does.
void Differ::lift_dependent_foreign_keys() {
  if (m_master.dialect == Dialect::sqlite)
    return;
  std::set<std::pair<std::string, std::string>> planned;  // (table, fk) dropped already
  for (const Op& op : m_drop_fks)
    planned.emplace(op.table->name, op.foreign_key->name);
  // Key columns of changing primary/unique keys, and changing columns, per table.
  std::map<std::string, std::vector<std::vector<std::string>>> keys;
  std::map<std::string, std::set<std::string>> columns;
  for (const Op& op : m_drop_keys) {
    if (op.kind == OpKind::drop_primary_key)
      keys[op.table->name].push_back(op.primary_key->columns);
    if (op.kind == OpKind::drop_unique)
      keys[op.table->name].push_back(op.unique->columns);
  }
  for (const Op& op : m_column_ops) {
    if (op.kind == OpKind::alter_column && (op.delta.type || op.delta.collation))
      columns[op.table->name].insert(op.column->name);
  }
  for (const Table& child : m_tenant.tables) {
    const Table* master_child = m_master.find_table(child.schema, child.name);
    for (const ForeignKey& fk : child.foreign_keys) {
      if (planned.contains({child.name, fk.name}))
        continue;
      const auto& parent_keys = keys[fk.ref_table];
      bool affected =
          std::find(parent_keys.begin(), parent_keys.end(), fk.ref_columns) != parent_keys.end();
      for (const std::string& c : fk.ref_columns)
        affected = affected || columns[fk.ref_table].contains(c);
      for (const std::string& c : fk.columns)
        affected = affected || columns[child.name].contains(c);
      if (!affected)
        continue;
      const Table* as_planned = master_child ? master_child : &child;
      add(m_drop_fks, Op{.kind = OpKind::drop_foreign_key,
                         .table = as_planned,
                         .old_table = &child,
                         .foreign_key = &fk});
      // Added back as the master has it; a tenant-only one as the tenant had it, unless the
      // plan drops drift anyway.
      const ForeignKey* back = nullptr;
      if (master_child) {
        for (const ForeignKey& m : master_child->foreign_keys) {
          if (m.name == fk.name)
            back = &m;
        }
      }
      if (back == nullptr && !m_options.allow_drop)
        back = &fk;
      const bool added_already = std::any_of(m_add_fks.begin(), m_add_fks.end(), [&](const Op& op) {
        return op.table->name == child.name && op.foreign_key->name == fk.name;
      });
      if (back != nullptr && !added_already) {
        add(m_add_fks, Op{.kind = OpKind::add_foreign_key,
                          .risk = Risk::data_dependent,
                          .table = as_planned,
                          .old_table = &child,
                          .foreign_key = back});
      }
    }
  }
}

void Differ::alter_table(const Table& t, const Table& old) {
  const std::size_t columns_before = m_column_ops.size() + m_drop_columns.size();
  const std::size_t keys_before[] = {m_drop_keys.size(), m_add_keys.size(), m_drop_fks.size(),
                                     m_add_fks.size()};
  columns(t, old);
  keys(t, old);
  bool changed = m_column_ops.size() + m_drop_columns.size() != columns_before;
  // SQLite rebuilds a table for any constraint change, which its views must not survive.
  if (m_master.dialect == Dialect::sqlite) {
    const std::vector<Op>* phases[] = {&m_drop_keys, &m_add_keys, &m_drop_fks, &m_add_fks};
    for (std::size_t p = 0; p < 4 && !changed; ++p) {
      for (std::size_t i = keys_before[p]; i < phases[p]->size(); ++i) {
        const OpKind kind = (*phases[p])[i].kind;
        if (kind != OpKind::create_index && kind != OpKind::drop_index)
          changed = true;
      }
    }
  }
  if (changed)
    m_changed_tables.insert(t.name);
  if (t.comment != old.comment) {
    add(m_comments, Op{.kind = OpKind::set_table_comment, .table = &t, .old_table = &old});
  }
  if (t.partition_by != old.partition_by) {
    add(m_table_options, Op{.kind = OpKind::change_partition_key,
                            .risk = Risk::destructive,
                            .table = &t,
                            .old_table = &old});
  }
  if (t.partition_of != old.partition_of || t.partition_bound != old.partition_bound) {
    add(m_table_options, Op{.kind = OpKind::set_partition_of,
                            .risk = Risk::data_dependent,
                            .table = &t,
                            .old_table = &old});
  }
  if (t.inherits != old.inherits) {
    add(m_table_options, Op{.kind = OpKind::set_inherits,
                            .risk = Risk::data_dependent,
                            .table = &t,
                            .old_table = &old});
  }
  if (t.row_security != old.row_security || t.force_row_security != old.force_row_security) {
    add(m_table_options, Op{.kind = OpKind::set_row_security, .table = &t, .old_table = &old});
  }
  table_options(t, old);
  column_order(t, old);
}

// MySQL: engine, default collation, row format and partitioning. What the tenant's engine or
// partitioning forbids (foreign keys, FULLTEXT indexes, keys without the partitioning
// columns) may be in the plan: they change after the table's keys are dropped and before its
// columns and keys change (a column's MODIFY without COLLATE takes the new default),
// partitioning after them. A changed partitioning is removed first, then made again.
// AUTO_INCREMENT counters are data: never compared.
// SQLite: STRICT and WITHOUT ROWID, which only a rebuild changes (a STRICT table refuses
// rows whose values do not fit its column types).
void Differ::table_options(const Table& t, const Table& old) {
  const bool partitioning = t.partitioning != old.partitioning;
  const bool row_format = t.row_format != old.row_format;
  const bool sqlite_options = t.strict != old.strict || t.without_rowid != old.without_rowid;
  if (t.engine != old.engine || t.collation != old.collation || row_format ||
      (partitioning && old.partitioning) || sqlite_options) {
    const bool rewrite = t.engine != old.engine || row_format || partitioning || sqlite_options;
    add(m_drop_keys, Op{.kind = OpKind::alter_table_options,
                        .risk = t.strict && !old.strict ? Risk::data_dependent
                                                        : (rewrite ? Risk::rewrite : Risk::safe),
                        .table = &t,
                        .old_table = &old});
  }
  if (sqlite_options)
    m_changed_tables.insert(t.name);
  if (partitioning && t.partitioning) {
    add(m_table_options, Op{.kind = OpKind::partition_table,
                            .risk = Risk::data_dependent,
                            .table = &t,
                            .old_table = &old});
  }
}

// PostgreSQL cannot reorder columns: an order that differs is a note, never a change.
// SQLite rebuilds the table in the master's order when the order the plan leaves otherwise
// (the tenant's columns, then the added ones last) differs from it; a table rebuilt for
// another change takes the master's order anyway. The tenant's own columns do not count.
void Differ::column_order(const Table& t, const Table& old) {
  std::vector<std::string> want, have;
  for (const Column& c : t.columns) {
    if (old.find_column(c.name) != nullptr)
      want.push_back(c.name);
  }
  for (const Column& c : old.columns) {
    if (t.find_column(c.name) != nullptr)
      have.push_back(c.name);
  }
  if (m_master.dialect == Dialect::sqlite) {
    std::vector<std::string> master_order, added_last = have;
    for (const Column& c : t.columns) {
      master_order.push_back(c.name);
      if (old.find_column(c.name) == nullptr)
        added_last.push_back(c.name);
    }
    if (added_last != master_order) {
      add(m_column_ops, Op{.kind = OpKind::reorder_columns,
                           .risk = Risk::rewrite,
                           .table = &t,
                           .old_table = &old});
      m_changed_tables.insert(t.name);
    }
    return;
  }
  if (want != have) {
    m_notes.push_back("column order of " + t.qualified_name() + " differs (master: " + join(want) +
                      "; tenant: " + join(have) + "); not changed");
  }
}

void Differ::columns(const Table& t, const Table& old) {
  for (const Column& c : t.columns) {
    // A parent's column is changed on the parent, and reaches the child from there; a
    // plain table that is to be attached gets it first.
    if (c.inherited && (old.partition_of || !old.inherits.empty()))
      continue;
    const Column* o = old.find_column(c.name);
    if (o == nullptr) {
      // A NOT NULL column without a default fails on a table that has rows.
      const bool needs_data =
          !c.nullable && !c.default_expr && !c.generated_expr && c.identity == Identity::none;
      add(m_column_ops, Op{.kind = OpKind::add_column,
                           .risk = needs_data ? Risk::data_dependent : Risk::safe,
                           .table = &t,
                           .old_table = &old,
                           .column = &c,
                           .check = kept_column_check(t, old, c)});
      if (c.comment) {
        add(m_comments, Op{.kind = OpKind::set_column_comment, .table = &t, .column = &c});
      }
      continue;
    }
    ColumnDelta d;
    d.type = c.declared_type != master_type_name(o->declared_type);
    d.nullable = c.nullable != o->nullable;
    d.default_expr = c.default_expr != o->default_expr;
    d.identity = c.identity != o->identity || c.identity_options != o->identity_options;
    d.generated =
        c.generated_expr != o->generated_expr || c.generated_stored != o->generated_stored;
    d.collation = effective_collation(t, c) != effective_collation(old, *o);
    d.comment = c.comment != o->comment;
    d.on_update = c.on_update != o->on_update;
    if (!(d.type || d.nullable || d.default_expr || d.identity || d.generated || d.collation ||
          d.comment || d.on_update)) {
      continue;
    }
    Risk risk = Risk::safe;
    if (d.type)
      risk = classify_type_change(m_master.dialect, o->declared_type, c.declared_type);
    if (d.collation)
      risk = std::max(risk, Risk::rewrite);
    if (d.generated)
      risk = std::max(risk, Risk::rewrite);
    if (d.nullable && !c.nullable)
      risk = std::max(risk, Risk::data_dependent);
    const bool only_comment = !(d.type || d.nullable || d.default_expr || d.identity ||
                                d.generated || d.collation || d.on_update);
    if (only_comment && m_master.dialect == Dialect::postgres) {
      add(m_comments,
          Op{.kind = OpKind::set_column_comment, .table = &t, .column = &c, .old_column = o});
      continue;
    }
    add(m_column_ops, Op{.kind = OpKind::alter_column,
                         .risk = risk,
                         .table = &t,
                         .old_table = &old,
                         .column = &c,
                         .old_column = o,
                         .delta = d,
                         .check = kept_column_check(t, old, c)});
  }
  for (const Column& o : old.columns) {
    if (t.find_column(o.name) != nullptr || o.inherited)
      continue;
    report_drift("column", old.qualified_name() + "." + o.name);
    if (m_options.allow_drop) {
      add(m_drop_columns, Op{.kind = OpKind::drop_column,
                             .risk = Risk::destructive,
                             .table = &t,
                             .old_table = &old,
                             .column = &o});
    }
  }
}

// Comments on indexes and constraints of `t` (PostgreSQL): set where the tenant's (`old`,
// none for a new table) differ, and again on what this plan adds. What the plan drops takes
// its comment along.
void Differ::key_comments(const Table& t, const Table* old) {
  using Comments = std::map<std::string, std::string>;
  const auto set = [&](const std::set<std::string>& names, const Comments& want,
                       const Comments* have, const char* on) {
    for (const std::string& name : names) {
      const std::optional<std::string> comment = comment_in(&want, name);
      const std::optional<std::string> had = comment_in(have, tenant_key_name(t, name));
      const bool made = old == nullptr || m_made_keys.contains({t.qualified_name(), name});
      if (made ? comment.has_value() : comment != had) {
        add(m_comments, Op{.kind = OpKind::set_comment,
                           .table = &t,
                           .name = name,
                           .comment_on = on,
                           .comment = comment});
      }
    }
  };
  std::set<std::string> indexes, constraints;
  for (const Index& i : t.indexes)
    indexes.insert(i.name);
  if (t.primary_key)
    constraints.insert(t.primary_key->name);
  for (const UniqueConstraint& u : t.uniques)
    constraints.insert(u.name);
  for (const Check& c : t.checks)
    constraints.insert(c.name);
  for (const ForeignKey& fk : t.foreign_keys)
    constraints.insert(fk.name);
  set(indexes, t.index_comments, old == nullptr ? nullptr : &old->index_comments, "index");
  set(constraints, t.constraint_comments, old == nullptr ? nullptr : &old->constraint_comments,
      "constraint");
}

// Constraints and indexes: matched by name; a changed one is dropped and added again.
void Differ::keys(const Table& t, const Table& old) {
  const bool postgres = m_master.dialect == Dialect::postgres;
  const bool rename_constraints = postgres && renames_keys(old);
  // MariaDB renames indexes, unique keys among them (RENAME INDEX), but no other constraint.
  const bool rename_indexes = rename_constraints || m_master.dialect == Dialect::mysql;
  if (rename_constraints && t.primary_key && old.primary_key &&
      t.primary_key->name != old.primary_key->name &&
      t.primary_key->columns == old.primary_key->columns) {
    add_rename(t, old, OpKind::rename_constraint, t.primary_key->name, old.primary_key->name);
  } else if (t.primary_key != old.primary_key) {
    if (old.primary_key) {
      add(m_drop_keys, Op{.kind = OpKind::drop_primary_key,
                          .table = &t,
                          .old_table = &old,
                          .primary_key = &*old.primary_key});
    }
    if (t.primary_key) {
      add(m_add_keys, Op{.kind = OpKind::add_primary_key,
                         .risk = Risk::data_dependent,
                         .table = &t,
                         .old_table = &old,
                         .primary_key = &*t.primary_key});
    }
  }
  match(t, old, t.uniques, old.uniques, "unique", OpKind::add_unique, OpKind::drop_unique,
        Risk::data_dependent, m_add_keys, m_drop_keys, rename_indexes,
        [](const UniqueConstraint& a, const UniqueConstraint& b) { return a == b; });
  const std::size_t drops_before = m_drop_keys.size(), adds_before = m_add_keys.size();
  match(t, old, t.checks, old.checks, "check", OpKind::add_check, OpKind::drop_check,
        Risk::data_dependent, m_add_keys, m_drop_keys, rename_constraints,
        [](const Check& a, const Check& b) {
          return a.expression == b.expression && a.valid == b.valid;
        });
  column_checks(t, old, drops_before, adds_before);
  match(t, old, t.indexes, old.indexes, "index", OpKind::create_index, OpKind::drop_index,
        Risk::safe, m_add_keys, m_drop_keys, rename_indexes, same_index);
  for (const Index& i : t.indexes) {
    for (const Index& h : old.indexes) {
      if (h.name == tenant_key_name(t, i.name) && same_index(i, h) && h.ignored != i.ignored) {
        add(m_add_keys,
            Op{.kind = OpKind::set_index_ignored, .table = &t, .old_table = &old, .index = &i});
      }
    }
  }
  // SQLite finds a referenced table whatever the case it is named in; renaming it (a
  // case-only rename) rewrites the name in every reference.
  const bool sqlite = m_master.dialect == Dialect::sqlite;
  match(t, old, t.foreign_keys, old.foreign_keys, "foreign key", OpKind::add_foreign_key,
        OpKind::drop_foreign_key, Risk::data_dependent, m_add_fks, m_drop_fks, rename_constraints,
        [&](const ForeignKey& a, const ForeignKey& b) {
          if (!sqlite)
            return a == b;
          ForeignKey x = a, y = b;
          x.ref_table = folded(x.ref_table);
          y.ref_table = folded(y.ref_table);
          return x == y;
        });
  key_comments(t, &old);
}

// MariaDB: the column-level check column `c` of `t` is to carry after the plan, which each
// ADD or MODIFY COLUMN of it restates (MODIFY drops one it does not): the master's, unless
// the tenant has it as an equal table constraint, which stays (and would clash by name);
// else the tenant's own where it stays: equal to the master's table constraint, or drift.
const Check* Differ::kept_column_check(const Table& t, const Table& old, const Column& c) const {
  const auto named = [&](const Table& table) -> const Check* {
    for (const Check& k : table.checks) {
      if (k.name == c.name)
        return &k;
    }
    return nullptr;
  };
  const Check* want = named(t);
  const Check* have = named(old);
  if (have != nullptr && !have->column.empty() && have->column != c.name)
    have = nullptr;
  if (want != nullptr && want->column == c.name) {
    const bool kept_as_table_check =
        have != nullptr && have->column.empty() && have->expression == want->expression;
    return kept_as_table_check ? nullptr : want;
  }
  if (have == nullptr || have->column.empty())
    return nullptr;
  if (want != nullptr)
    return want->expression == have->expression ? have : nullptr;
  return m_options.allow_drop ? nullptr : have;
}

// The table that `t` is a partition or an INHERITS child of, if `catalog` holds it.
const Table* Differ::parent(const Catalog& catalog, const Table& t) {
  const std::optional<std::string> name =
      t.partition_of ? t.partition_of
                     : (t.inherits.empty() ? std::nullopt : std::optional(t.inherits.front()));
  if (!name)
    return nullptr;
  for (const Table& p : catalog.tables) {
    if (p.qualified_name() == *name)
      return &p;
  }
  return nullptr;
}

// How many parents above a table (partitions and INHERITS children): parents are created
// before their children and dropped after them. A parent the catalog does not hold counts.
int Differ::depth(const Catalog& catalog, const Table& t) {
  int d = 0;
  const Table* at = &t;
  while (at != nullptr && d <= static_cast<int>(catalog.tables.size())) {
    if (!at->partition_of && at->inherits.empty())
      break;
    at = parent(catalog, *at);
    ++d;
  }
  return d;
}

// A partition's primary key and unique constraints on its parent's columns are clones of the
// parent's: the parent's ADD or DROP makes or removes them on every partition, and
// PostgreSQL refuses either on a partition by itself. Such ops on partitions are left out.
void Differ::partition_keys_follow_parents() {
  const auto cloned = [](const Catalog& catalog, const Table& t,
                         const std::vector<std::string>& columns) {
    const Table* p = t.partition_of ? parent(catalog, t) : nullptr;
    if (p == nullptr)
      return false;
    return (p->primary_key && p->primary_key->columns == columns) ||
           std::any_of(p->uniques.begin(), p->uniques.end(),
                       [&](const UniqueConstraint& u) { return u.columns == columns; });
  };
  const auto key_columns = [](const Op& op) {
    return op.primary_key != nullptr ? op.primary_key->columns : op.unique->columns;
  };
  std::erase_if(m_add_keys, [&](const Op& op) {
    return (op.kind == OpKind::add_primary_key || op.kind == OpKind::add_unique) &&
           cloned(m_master, *op.table, key_columns(op));
  });
  std::erase_if(m_drop_keys, [&](const Op& op) {
    return (op.kind == OpKind::drop_primary_key || op.kind == OpKind::drop_unique) &&
           cloned(m_tenant, op.old_table != nullptr ? *op.old_table : *op.table, key_columns(op));
  });
}

std::vector<Op> Differ::ordered() {
  std::stable_sort(m_create_tables.begin(), m_create_tables.end(), [&](auto& a, auto& b) {
    return depth(m_master, *a.table) < depth(m_master, *b.table);
  });
  std::stable_sort(m_drop_tables.begin(), m_drop_tables.end(), [&](auto& a, auto& b) {
    return depth(m_tenant, *a.table) > depth(m_tenant, *b.table);
  });
  std::vector<Op> out;
  for (auto* phase :
       {&m_first,         &m_drop_views, &m_drop_objects,  &m_create_early, &m_drop_fks,
        &m_drop_keys,     &m_renames,    &m_create_tables, &m_column_ops,   &m_drop_columns,
        &m_add_keys,      &m_add_fks,    &m_owners,        &m_create_views, &m_create_late,
        &m_table_options, &m_comments,   &m_drop_tables,   &m_drop_late,    &m_last,
        &m_drop_schemas}) {
    for (Op& op : *phase)
      out.push_back(std::move(op));
  }
  return out;
}

// MariaDB's column-level checks are added and dropped by MODIFY COLUMN (DROP CONSTRAINT does
// not find them); not at all where the column's own ADD or MODIFY in this plan restates
// what it keeps (kept_column_check), or where a column-level check replaces one (MODIFY
// replaces it). The ops match() made since `drops_before` and `adds_before` are fixed up.
void Differ::column_checks(const Table& t, const Table& old, std::size_t drops_before,
                           std::size_t adds_before) {
  const auto restated = [&](const std::string& column) {
    return std::any_of(m_column_ops.begin(), m_column_ops.end(), [&](const Op& op) {
      return op.table == &t && op.column->name == column &&
             (op.kind == OpKind::add_column || op.kind == OpKind::alter_column);
    });
  };
  const auto fix = [&](std::vector<Op>& phase, std::size_t from, auto drop_it) {
    for (std::size_t i = from; i < phase.size();) {
      Op& op = phase[i];
      const bool column_level = (op.kind == OpKind::add_check || op.kind == OpKind::drop_check) &&
                                !op.check->column.empty();
      if (column_level) {
        op.column = t.find_column(op.check->column);
        if (op.column == nullptr)
          op.column = old.find_column(op.check->column);
      }
      if (column_level && (op.column == nullptr || drop_it(op))) {
        phase.erase(phase.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
  };
  fix(m_add_keys, adds_before, [&](const Op& op) { return restated(op.check->column); });
  fix(m_drop_keys, drops_before, [&](const Op& op) {
    if (restated(op.check->column))
      return true;
    for (const Check& k : t.checks) {
      if (k.name == op.check->name && k.column == op.check->column)
        return true;  // replaced by the master's, in the same column
    }
    return false;
  });
}

template <typename T, typename Same>
void Differ::match(const Table& t, const Table& old, const std::vector<T>& want,
                   const std::vector<T>& have, const char* kind, OpKind add_kind, OpKind drop_kind,
                   Risk add_risk, std::vector<Op>& add_phase, std::vector<Op>& drop_phase,
                   bool renames, Same same) {
  const auto have_by_name = by_name(have);
  const auto want_by_name = by_name(want);
  std::set<const T*> renamed;  // the tenant's
  if (renames) {
    const bool index = std::is_same_v<T, Index>;
    for (const auto& [w, h] : renamed_pairs(want, have, same)) {
      add_rename(t, old, index ? OpKind::rename_index : OpKind::rename_constraint, w->name,
                 h->name);
      renamed.insert(h);
    }
  }
  for (const T& w : want) {
    if (tenant_key_name(t, w.name) != w.name)
      continue;
    const auto it = have_by_name.find(w.name);
    if (it != have_by_name.end() && same(w, *it->second))
      continue;
    if (it != have_by_name.end()) {
      Op drop{.kind = drop_kind, .table = &t, .old_table = &old};
      set_object(drop, *it->second);
      add(drop_phase, drop);
    }
    Op op{.kind = add_kind, .risk = add_risk, .table = &t, .old_table = &old};
    set_object(op, w);
    add(add_phase, op);
    m_made_keys.insert({t.qualified_name(), w.name});
  }
  for (const T& h : have) {
    if (want_by_name.contains(h.name) || renamed.contains(&h))
      continue;
    report_drift(kind, old.qualified_name() + "." + h.name);
    if (!m_options.allow_drop)
      continue;
    Op drop{.kind = drop_kind, .risk = Risk::destructive, .table = &t, .old_table = &old};
    set_object(drop, h);
    add(drop_phase, drop);
  }
}

// PostgreSQL renames constraints in place, but a constraint a table inherits or passes on
// (partitions, INHERITS) is renamed on the parent and follows there: such tables' keys are
// dropped and made again instead.
bool Differ::renames_keys(const Table& old) const {
  if (old.partition_by || old.partition_of || !old.inherits.empty())
    return false;
  return std::none_of(m_tenant.tables.begin(), m_tenant.tables.end(), [&](const Table& child) {
    return std::find(child.inherits.begin(), child.inherits.end(), old.qualified_name()) !=
           child.inherits.end();
  });
}

void Differ::add_rename(const Table& t, const Table& old, OpKind kind, const std::string& name,
                        const std::string& before) {
  add(m_renames, Op{.kind = kind, .table = &t, .old_table = &old, .name = name, .before = before});
  m_renamed_keys[{t.qualified_name(), name}] = before;
}

const std::string& Differ::tenant_key_name(const Table& t, const std::string& name) const {
  const auto it = m_renamed_keys.find({t.qualified_name(), name});
  return it == m_renamed_keys.end() ? name : it->second;
}

}  // namespace detail

const char* to_string(Risk risk) noexcept {
  switch (risk) {
    case Risk::safe:
      return "safe";
    case Risk::rewrite:
      return "rewrite";
    case Risk::data_dependent:
      return "data_dependent";
    case Risk::destructive:
      return "destructive";
  }
  return "safe";
}

std::vector<const Change*> Plan::destructive() const {
  std::vector<const Change*> out;
  for (const Change& c : changes) {
    if (c.risk == Risk::destructive)
      out.push_back(&c);
  }
  return out;
}

std::vector<const Change*> Plan::manual() const {
  std::vector<const Change*> out;
  for (const Change& c : changes) {
    if (c.sql.empty())
      out.push_back(&c);
  }
  return out;
}

std::vector<std::string> Plan::statements() const {
  std::vector<std::string> out;
  for (const Change& c : changes)
    out.insert(out.end(), c.sql.begin(), c.sql.end());
  return out;
}

Plan diff(const Catalog& master, const Catalog& tenant, const DiffOptions& options) {
  if (master.dialect != tenant.dialect) {
    throw Error(ErrorKind::usage, std::string("structure sync needs one dialect on both sides; "
                                              "the master is ") +
                                      to_string(master.dialect) + ", the tenant " +
                                      to_string(tenant.dialect));
  }
  check_options(master.dialect, options);
  Plan plan;
  plan.dialect = master.dialect;
  detail::Differ differ(master, tenant, options);
  std::vector<detail::Op> ops = differ.run(plan.drift);
  plan.notes = differ.take_notes();
  if (options.privileges) {
    std::vector<detail::Op> privileges = detail::privilege_ops(master, tenant, ops);
    ops.insert(ops.end(), privileges.begin(), privileges.end());
  } else if (master.dialect == Dialect::postgres) {
    plan.notes.push_back(
        "privileges and ownership were not compared (--with-privileges compares them)");
  }
  for (const auto& [side, catalog] : {std::pair{"master", &master}, std::pair{"tenant", &tenant}}) {
    for (const UnmodelledObject& u : catalog->unmodelled)
      plan.not_compared.push_back({side, u.kind, u.name});
  }
  switch (master.dialect) {
    case Dialect::postgres:
      plan.changes = detail::render_postgres(ops);
      break;
    case Dialect::mysql:
      plan.changes = detail::render_mysql(ops);
      break;
    case Dialect::sqlite:
      plan.changes = detail::render_sqlite(ops, master, tenant, options.allow_drop);
      break;
  }
  return plan;
}

}  // namespace ferry::schema
