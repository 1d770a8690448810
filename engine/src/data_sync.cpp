#include "ferry/engine/data_sync.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "ferry/common/log.hpp"
#include "ferry/connectors/connector.hpp"
#include "ferry/engine/paths.hpp"
#include "last_equal.hpp"
#include "parallel.hpp"

namespace ferry::engine {
namespace {

bool names(const schema::Table& t, const std::string& wanted) {
  return wanted == t.name || wanted == t.qualified_name();
}

// The master's tables named by `wanted` (all when empty), parents before children. Throws
// Error(usage) for a table that is not on the master or has no row key.
std::vector<const schema::Table*> select_tables(const schema::Catalog& master,
                                                const std::vector<std::string>& wanted) {
  std::vector<const schema::Table*> chosen;
  if (wanted.empty()) {
    for (const schema::Table& t : master.tables)
      chosen.push_back(&t);
  } else {
    for (const std::string& w : wanted) {
      const auto it = std::find_if(master.tables.begin(), master.tables.end(),
                                   [&](const schema::Table& t) { return names(t, w); });
      if (it == master.tables.end())
        throw Error(ErrorKind::usage, "table " + w + " is not on the master");
      if (std::find(chosen.begin(), chosen.end(), &*it) == chosen.end())
        chosen.push_back(&*it);
    }
  }
  for (const schema::Table* t : chosen)
    t->required_row_key();
  // Topological order by foreign keys among the chosen tables; a cycle keeps given order.
  std::vector<const schema::Table*> ordered;
  std::set<const schema::Table*> placed;
  for (std::size_t round = 0; ordered.size() < chosen.size() && round <= chosen.size(); ++round) {
    for (const schema::Table* t : chosen) {
      if (placed.contains(t))
        continue;
      const bool ready = std::all_of(
          t->foreign_keys.begin(), t->foreign_keys.end(), [&](const schema::ForeignKey& fk) {
            const auto parent = std::find_if(chosen.begin(), chosen.end(), [&](auto* p) {
              return p->name == fk.ref_table && p->schema == fk.ref_schema;
            });
            return parent == chosen.end() || *parent == t || placed.contains(*parent);
          });
      if (ready || round == chosen.size()) {
        ordered.push_back(t);
        placed.insert(t);
      }
    }
  }
  return ordered;
}

const schema::Table* find_same(const schema::Catalog& catalog, const schema::Table& table) {
  for (const schema::Table& t : catalog.tables) {
    if (t.name == table.name && (t.schema == table.schema || catalog.dialect != Dialect::postgres ||
                                 table.schema.empty())) {
      return &t;
    }
  }
  return nullptr;
}

// The tenant's table as the master's columns see it: the master's columns, in the master's
// order, as the tenant defines them; ferry reads, hashes and writes only these. A tenant may
// keep columns of its own where the master's rows can be inserted without them (nullable, a
// default, generated or identity): ferry leaves them alone. Only a run that writes (`writes`)
// refuses a tenant column that inserts could not fill; a comparison reads around it.
schema::Table tenant_view(const schema::Catalog& catalog, const schema::Table& master,
                          bool writes) {
  const schema::Table* tenant = find_same(catalog, master);
  if (tenant == nullptr) {
    throw Error(ErrorKind::failure, "table " + master.qualified_name() +
                                        " is missing on the tenant; run ferry schema sync first");
  }
  schema::Table view = *tenant;
  view.columns.clear();
  for (const schema::Column& m : master.columns) {
    const schema::Column* c = tenant->find_column(m.name);
    if (c == nullptr) {
      throw Error(ErrorKind::failure, "table " + master.qualified_name() + " has no column " +
                                          m.name + " on the tenant; run ferry schema sync first");
    }
    view.columns.push_back(*c);
  }
  for (const schema::Column& c : tenant->columns) {
    if (!writes || master.find_column(c.name) != nullptr || c.nullable || c.default_expr ||
        c.generated_expr || c.identity != schema::Identity::none) {
      continue;
    }
    throw Error(ErrorKind::failure,
                "table " + master.qualified_name() + " has a column of the tenant's own, " +
                    c.name +
                    ", NOT NULL without a default, so the master's rows cannot be inserted: "
                    "drop it (ferry schema sync --allow-drop), give it a default, or leave " +
                    master.qualified_name() + " out of the sync's tables");
  }
  return view;
}

// Tenant tables whose foreign keys reference `parent`. Deletes run children first, so when a
// parent's turn comes, rows that still reference it are the tenant's own rows or child rows
// kept for the same reason: either way the parent row must stay. Self-references are left
// to the database.
std::vector<std::pair<const schema::Table*, const schema::ForeignKey*>> references_to(
    const schema::Catalog& tenant, const schema::Table& parent) {
  std::vector<std::pair<const schema::Table*, const schema::ForeignKey*>> out;
  for (const schema::Table& t : tenant.tables) {
    if (t.name == parent.name && t.schema == parent.schema)
      continue;
    for (const schema::ForeignKey& fk : t.foreign_keys) {
      if (fk.ref_table == parent.name && fk.ref_schema == parent.schema)
        out.emplace_back(&t, &fk);
    }
  }
  return out;
}

// Splits `keys` into the ones the tenant's own rows still reference (blocked) and the rest.
std::vector<schema::KeyValue> remove_referenced(connectors::Connector& tenant,
                                                const schema::Catalog& catalog,
                                                const schema::Table& table,
                                                std::vector<schema::KeyValue> keys,
                                                std::vector<BlockedDelete>& blocked) {
  const std::vector<std::string> key = table.row_key();
  for (const auto& [child, fk] : references_to(catalog, table)) {
    if (keys.empty())
      break;
    // The child's columns hold the parent's key columns in the FK's order.
    std::vector<schema::KeyValue> values;
    for (const schema::KeyValue& k : keys) {
      schema::KeyValue v;
      for (const std::string& ref : fk->ref_columns) {
        const auto pos = std::find(key.begin(), key.end(), ref) - key.begin();
        if (static_cast<std::size_t>(pos) >= key.size())
          break;
        v.push_back(k[static_cast<std::size_t>(pos)]);
      }
      values.push_back(std::move(v));
    }
    if (values.empty() || values.front().size() != fk->columns.size())
      continue;
    const std::vector<std::size_t> found = tenant.find_values(*child, fk->columns, values);
    std::set<std::size_t> hit(found.begin(), found.end());
    std::vector<schema::KeyValue> rest;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (hit.contains(i)) {
        blocked.push_back({keys[i], child->qualified_name()});
      } else {
        rest.push_back(std::move(keys[i]));
      }
    }
    keys = std::move(rest);
  }
  return keys;
}

void apply_upserts(connectors::Connector& tenant, const schema::Table& table,
                   const schema::RowBatch& rows, std::size_t batch_rows) {
  if (rows.rows() <= batch_rows) {
    tenant.upsert_rows(table, rows);
    return;
  }
  schema::RowBatch part(rows.columns());
  for (std::size_t r = 0; r < rows.rows(); ++r) {
    for (std::size_t c = 0; c < rows.columns(); ++c) {
      rows.is_null(r, c) ? part.add_null() : part.add_value(rows.value(r, c));
    }
    if (part.rows() == batch_rows) {
      tenant.upsert_rows(table, part);
      part.clear();
    }
  }
  if (!part.empty())
    tenant.upsert_rows(table, part);
}

void apply_deletes(connectors::Connector& tenant, const schema::Table& table,
                   const std::vector<schema::KeyValue>& keys, std::size_t batch_rows) {
  for (std::size_t start = 0; start < keys.size(); start += batch_rows) {
    const std::size_t end = std::min(keys.size(), start + batch_rows);
    tenant.delete_rows(table,
                       std::vector<schema::KeyValue>(keys.begin() + start, keys.begin() + end));
  }
}

// The master sessions of a run, opened at its start in one snapshot where the master allows it
// (connectors::connect_in_one_snapshot) and lent to one reader at a time. The first only
// holds the snapshot and never reads: on PostgreSQL a failed read aborts its transaction, and
// the exported snapshot with it, so no replacement could join it any more. A session a failed
// table used is not lent again, as a failed read may have left it unusable (TenantSync
// replaces it); a replacement joins the exported snapshot on PostgreSQL and elsewhere reads a
// snapshot of its own, which shared() then admits.
class MasterSessions {
 public:
  MasterSessions(const Endpoint& endpoint, std::size_t count)
      : m_endpoint(endpoint), m_group(connectors::connect_in_one_snapshot(endpoint, count + 1)) {
    m_shared = m_group.shared;
    for (std::size_t i = 1; i < m_group.sessions.size(); ++i)
      m_free.push_back(std::move(m_group.sessions[i]));
    m_group.sessions.resize(1);
  }

  bool shared() const { return m_shared; }
  const std::string& why_not_shared() const { return m_group.why_not; }

  std::unique_ptr<connectors::Connector> take() {
    {
      const std::lock_guard lock(m_mutex);
      if (!m_free.empty()) {
        auto session = std::move(m_free.back());
        m_free.pop_back();
        return session;
      }
    }
    auto session = connectors::connect(m_endpoint);
    if (m_group.exported) {
      session->join_snapshot(*m_group.exported);
    } else {
      session->begin_consistent_read();
      const std::lock_guard lock(m_mutex);
      m_shared = false;
    }
    return session;
  }

  void give_back(std::unique_ptr<connectors::Connector> session) {
    if (!session)
      return;
    const std::lock_guard lock(m_mutex);
    m_free.push_back(std::move(session));
  }

 private:
  const Endpoint& m_endpoint;
  connectors::SnapshotSessions m_group;
  std::mutex m_mutex;
  std::vector<std::unique_ptr<connectors::Connector>> m_free;
  bool m_shared = false;
};

// A tenant's sessions and catalog, opened while the master's are (sync_data()).
struct TenantSessions {
  Clock::time_point start = Clock::now();
  std::unique_ptr<connectors::Connector> reader;
  // Rows to upsert are written in batches while the diff still reads the tenant and the
  // master, so they go through a second session. None on a dry run, nor on SQLite: it has one
  // writer, which would wait for the open read, so there the diff reads the tenant a chunk at
  // a time, and the batches go through the reading session between two reads.
  std::unique_ptr<connectors::Connector> writer;
  schema::Catalog catalog;
  std::string error;  // opening failed
};

TenantSessions open_tenant(const Endpoint& endpoint, const DataSyncOptions& options) {
  TenantSessions out;
  try {
    out.reader = connectors::connect(endpoint);
    out.catalog = out.reader->introspect({.tables_only = true});
    if (!options.dry_run && endpoint.dialect != Dialect::sqlite)
      out.writer = connectors::connect(endpoint);
  } catch (const std::exception& e) {
    out.error = endpoint.scrub(e.what());
  }
  return out;
}

// What a run expects of one tenant's tables before it reads a row (LastEqual).
struct Expectations {
  const LastEqual* store = nullptr;
  std::string master;                                            // redacted URL
  const std::map<std::string, std::string>* counters = nullptr;  // the master's, this run
  std::map<std::string, EqualTable> record;  // the tenant's tables last found equal
  // Per table: compare the whole table's summary first (expected equal); empty: every one.
  std::vector<char> summary_first;
};

class TenantSync {
 public:
  TenantSync(MasterSessions& master, std::size_t index, const Endpoint& tenant,
             const std::vector<diff::MasterTable>& tables, const DataSyncOptions& options,
             const TableDone& on_table, const Expectations& expected)
      : m_master(master),
        m_index(index),
        m_endpoint(tenant),
        m_tables(tables),
        m_options(options),
        m_on_table(on_table),
        m_expected(expected) {}

  TenantDataResult run(TenantSessions sessions) {
    TenantDataResult result;
    result.tenant = m_endpoint.redacted();
    result.index = m_index;
    try {
      if (!sessions.error.empty())
        throw Error(ErrorKind::failure, sessions.error);
      m_master_conn = m_master.take();
      connectors::Connector* tenant = sessions.reader.get();
      const schema::Catalog& catalog = sessions.catalog;
      m_writer = std::move(sessions.writer);
      if (m_writer)
        m_master_rows = m_master.take();

      // Compare and upsert, parents first; deletes wait until every upsert is in.
      std::vector<diff::TableChanges> changes(m_tables.size());
      m_changed.assign(m_tables.size(), {});
      m_equal.assign(m_tables.size(), false);
      m_unapplied.assign(m_tables.size(), 0);
      m_tenant_only.assign(m_tables.size(), 0);
      m_client.clear();
      m_client.resize(m_tables.size());
      result.tables.resize(m_tables.size());
      for (std::size_t i = 0; i < m_tables.size(); ++i) {
        compare_and_upsert(*tenant, catalog, i, changes[i], result.tables[i]);
      }
      for (std::size_t i = m_tables.size(); i-- > 0;) {
        delete_and_verify(*tenant, catalog, i, changes[i], result.tables[i]);
      }
      result.status = status_of(result);
      remember_equal_tables();
    } catch (const std::exception& e) {
      result.status = DataStatus::failed;
      result.error = m_endpoint.scrub(e.what());
      // The tables the failure left unreached say so, rather than look done.
      for (std::size_t i = 0; i < result.tables.size(); ++i) {
        if (result.tables[i].table.empty()) {
          result.tables[i].table = m_tables[i].table.qualified_name();
          result.tables[i].error = "not compared: " + result.error;
        }
      }
    }
    // Sessions a failed table used were replaced right away, so these are fit to lend again.
    m_master.give_back(std::move(m_master_conn));
    m_master.give_back(std::move(m_master_rows));
    result.seconds = seconds_since(sessions.start);
    return result;
  }

 private:
  // Records the tables this run found or left equal to the master, with the master's write
  // counters, for the next run's guess (LastEqual); forgets those it did not.
  void remember_equal_tables() const {
    if (!m_expected.counters || m_expected.counters->empty())
      return;
    std::map<std::string, EqualTable> record = m_expected.record;
    bool changed = false;
    for (std::size_t i = 0; i < m_tables.size(); ++i) {
      const diff::MasterTable& m = m_tables[i];
      const std::string name = m.table.qualified_name();
      const auto counters = m_expected.counters->find(name);
      if (!m_equal[i] || counters == m_expected.counters->end()) {
        changed = record.erase(name) > 0 || changed;
        continue;
      }
      EqualTable entry{.master_counters = counters->second, .at = now_utc()};
      try {
        if (m.server_summary.valid()) {
          if (const auto& summary = m.server_summary.get()) {
            entry.master_rows = summary->rows;
            entry.master_digest = summary->digest;
          }
        }
      } catch (const std::exception&) {
        // A summary that failed on the master failed the table here too: not reached.
      }
      const auto old = record.find(name);
      if (old == record.end() || old->second.master_counters != entry.master_counters ||
          old->second.master_digest != entry.master_digest) {
        record[name] = std::move(entry);
        changed = true;
      }
    }
    if (changed)
      m_expected.store->record(m_expected.master, m_endpoint.redacted(), record);
  }

  // After a table failed, the tenant's master sessions are replaced (the run's snapshot is
  // joined again where it was exported): a failed or cancelled read aborts the transaction
  // they read in (PostgreSQL), which would fail every later table too.
  void renew_master_sessions() {
    const bool rows = m_master_rows != nullptr;
    m_master_conn.reset();
    m_master_rows.reset();
    m_master_conn = m_master.take();
    if (rows)
      m_master_rows = m_master.take();
  }

  void compare_and_upsert(connectors::Connector& tenant, const schema::Catalog& catalog,
                          std::size_t i, diff::TableChanges& changes, TableResult& out) {
    const auto start = Clock::now();
    const diff::MasterTable& m = m_tables[i];
    out.table = m.table.qualified_name();
    try {
      const schema::Table t = tenant_view(catalog, m.table, !m_options.dry_run);
      changes = compare(m, *m_master_conn, tenant, t, i, out.hashed_on_servers);
      out.rows_compared = changes.rows_compared;
      out.buckets_first = changes.buckets_first;
      out.summary_passes = changes.summary_passes;
      m_tenant_only[i] = changes.deletes.size();
      out.chunks = changes.chunks;
      out.chunks_differing = changes.chunks_differing;
      out.inserts = changes.inserts;
      out.updates = changes.updates;
      out.deletes = m_options.deletes == DeletesPolicy::keep ? 0 : changes.deletes.size();
      if (m_options.keep_keys) {
        out.insert_keys = std::move(changes.insert_keys);
        out.update_keys = std::move(changes.update_keys);
        out.delete_keys = changes.deletes;
      }
    } catch (const std::exception& e) {
      out.error = m_endpoint.scrub(e.what());
      renew_master_sessions();
    }
    out.seconds = seconds_since(start);
  }

  void delete_and_verify(connectors::Connector& tenant, const schema::Catalog& catalog,
                         std::size_t i, diff::TableChanges& changes, TableResult& out) {
    const auto start = Clock::now();
    if (out.error.empty()) {
      try {
        const diff::MasterTable& m = m_tables[i];
        const schema::Table t = tenant_view(catalog, m.table, !m_options.dry_run);
        std::vector<schema::KeyValue> deleted;
        if (!m_options.dry_run && m_options.deletes == DeletesPolicy::propagate &&
            !changes.deletes.empty()) {
          deleted = remove_referenced(tenant, catalog, t, std::move(changes.deletes), out.blocked);
          apply_deletes(tenant, t, deleted, m_options.batch_rows);
          out.deletes = deleted.size();
        }
        if (!m_options.dry_run && out.inserts + out.updates + out.deletes > 0) {
          verify(*m_master_conn, tenant, t, m_tables[i], changes, deleted, out);
        }
        // Equal now: compared equal, or synced and verified with every row the tenant alone
        // had deleted.
        m_equal[i] = out.error.empty() && out.blocked.empty() &&
                     (m_options.dry_run
                          ? out.inserts + out.updates + m_tenant_only[i] == 0
                          : m_options.deletes == DeletesPolicy::propagate || m_tenant_only[i] == 0);
      } catch (const std::exception& e) {
        out.error = m_endpoint.scrub(e.what());
        renew_master_sessions();
      }
    }
    out.seconds += seconds_since(start);
    if (m_on_table)
      m_on_table(m_index, m_endpoint.redacted(), out);
  }

  // The applied table must now equal the master's, but for deletes that were kept. Compared
  // on the servers, the rows written and the keys deleted are read back; compared in ferry,
  // the chunks that differed are compared again.
  void verify(connectors::Connector& master, connectors::Connector& tenant, const schema::Table& t,
              const diff::MasterTable& m, const diff::TableChanges& changes,
              const std::vector<schema::KeyValue>& deleted, TableResult& out) {
    const std::size_t i = static_cast<std::size_t>(&m - m_tables.data());
    if (out.hashed_on_servers) {
      const std::size_t wrong =
          m_unapplied[i] +
          diff::count_unapplied(m, tenant, t, changes.upserts, deleted, m_options.diff);
      if (wrong > 0) {
        out.error = "after applying, " + std::to_string(wrong) +
                    " written or deleted row(s) do not match the master";
      }
      return;
    }
    const diff::TableChanges left = diff::diff_chunks(m_client[i] ? *m_client[i] : m, master,
                                                      tenant, t, m_changed[i], m_options.diff);
    const std::size_t allowed_deletes =
        m_options.deletes == DeletesPolicy::keep ? left.deletes.size() : out.blocked.size();
    if (left.inserts + left.updates > 0 || left.deletes.size() > allowed_deletes) {
      out.error = "after applying, " + std::to_string(left.total()) +
                  " row(s) still differ from the master";
    }
  }

  DataStatus status_of(const TenantDataResult& r) const {
    bool errors = false, blocked = false;
    std::size_t changes = 0;
    for (const TableResult& t : r.tables) {
      errors = errors || !t.error.empty();
      blocked = blocked || !t.blocked.empty();
      changes += t.inserts + t.updates + t.deletes;
    }
    if (errors)
      return DataStatus::failed;
    if (m_options.dry_run)
      return changes == 0 ? DataStatus::in_sync : DataStatus::differs;
    if (blocked)
      return DataStatus::partial;
    return changes == 0 ? DataStatus::in_sync : DataStatus::synced;
  }

  MasterSessions& m_master;
  std::size_t m_index;
  const Endpoint& m_endpoint;
  const std::vector<diff::MasterTable>& m_tables;
  const DataSyncOptions& m_options;
  const TableDone& m_on_table;
  const Expectations& m_expected;
  // Compares table i: on the servers when both can hash rows alike, else chunk by chunk.
  diff::TableChanges compare(const diff::MasterTable& m, connectors::Connector& master,
                             connectors::Connector& tenant, const schema::Table& t, std::size_t i,
                             bool& on_servers) {
    // Dry runs only count (and maybe keep keys); syncs write each batch as it is found, and on
    // the servers' path read it back at once (the client path compares the changed chunks
    // again at the end).
    bool verify_batches = false;
    diff::DiffSettings settings = m_options.diff;
    connectors::Connector* writer = m_writer.get();
    if (!m_options.dry_run && writer == nullptr) {
      writer = &tenant;
      settings.read_tenant_by_chunk = true;
    }
    diff::UpsertSink sink;
    sink.keep_keys = m_options.keep_keys;
    sink.master = m_master_rows.get();
    if (writer != nullptr) {
      sink.write = [&](const schema::RowBatch& rows) {
        apply_upserts(*writer, t, rows, m_options.batch_rows);
        if (verify_batches)
          m_unapplied[i] += diff::count_unapplied(m, *writer, t, rows, {}, m_options.diff);
      };
    }
    verify_batches = true;
    settings.table_summary_first = m_expected.summary_first.empty() || m_expected.summary_first[i];
    if (!m_options.client_hashing) {
      if (auto changes = diff::diff_table_on_servers(m, master, tenant, t, settings, &sink)) {
        on_servers = true;
        return std::move(*changes);
      }
    }
    verify_batches = false;
    const diff::MasterTable* chunks = &m;
    if (!m.chunks) {
      // The run expected server-side comparison; this tenant's table needs the chunks after
      // all (its column types differ): summarize the master here.
      m_client[i] = diff::summarize_master(master, m.table, m_options.diff);
      chunks = &*m_client[i];
    }
    diff::TableChanges changes = diff::diff_table(*chunks, master, tenant, t, settings, &sink);
    m_changed[i] = changes.differing;
    return changes;
  }

  // Per table: the chunks that differed, and the master's chunks when they had to be made for
  // this tenant alone.
  std::vector<std::vector<std::size_t>> m_changed;
  std::vector<std::size_t> m_unapplied;    // rows found wrong when batches were read back
  std::vector<std::size_t> m_tenant_only;  // per table: rows only the tenant has
  std::vector<bool> m_equal;               // per table: equal to the master's after the run
  // The master session of the comparison, from the run's MasterSessions.
  std::unique_ptr<connectors::Connector> m_master_conn;
  // Second sessions that write the tenant and read the master's rows while the diff streams.
  std::unique_ptr<connectors::Connector> m_writer;
  std::unique_ptr<connectors::Connector> m_master_rows;
  std::vector<std::optional<diff::MasterTable>> m_client;
};

}  // namespace

const char* to_string(DataStatus status) noexcept {
  switch (status) {
    case DataStatus::in_sync:
      return "in sync";
    case DataStatus::differs:
      return "differs";
    case DataStatus::synced:
      return "synced";
    case DataStatus::partial:
      return "partial";
    case DataStatus::failed:
      return "failed";
  }
  return "failed";
}

std::size_t TenantDataResult::changes() const noexcept {
  std::size_t n = 0;
  for (const TableResult& t : tables)
    n += t.inserts + t.updates + t.deletes;
  return n;
}

ExitCode DataSyncReport::exit_code() const noexcept {
  std::size_t failed = 0, partial = 0, differs = 0;
  for (const TenantDataResult& t : tenants) {
    failed += t.status == DataStatus::failed;
    partial += t.status == DataStatus::partial;
    differs += t.status == DataStatus::differs;
  }
  if (failed == tenants.size() && !tenants.empty())
    return ExitCode::failure;
  if (failed + partial > 0)
    return ExitCode::partial_failure;
  if (differs > 0)
    return ExitCode::differences;
  return ExitCode::ok;
}

namespace {

// What a run reads from the master for every tenant: the tables, the sessions that read them
// (MasterSessions), and the reads in the background. The futures go first when it is
// destroyed: they wait for reads that use the sessions and the tables.
struct MasterRun {
  std::vector<diff::MasterTable> tables;
  std::optional<LastEqual> last_equal;
  std::map<std::string, std::string> counters;  // the master's write counters at the start
  std::vector<Expectations> expected;           // per tenant
  std::optional<MasterSessions> sessions;
  std::future<void> chunks;
  std::future<void> summaries;
};

// Where the whole-table summary is cheaper than buckets (PostgreSQL), which tables each tenant
// of the master's dialect is expected to have equal: those it had equal at a run when the
// master's write counters were what they are now (LastEqual). The others are compared by
// buckets at once, and the master sums its buckets at once for them.
void expect(MasterRun& run, connectors::Connector& master,
            const std::vector<const schema::Table*>& chosen, const Endpoint& endpoint,
            const std::vector<Endpoint>& tenants, const DataSyncOptions& options) {
  std::vector<schema::Table> tables;
  for (const schema::Table* t : chosen)
    tables.push_back(*t);
  run.counters = master.write_counters(tables);
  const LastEqual& store = run.last_equal.emplace(options.state_dir);
  const std::string master_url = endpoint.redacted();
  for (std::size_t t = 0; t < tenants.size(); ++t) {
    Expectations& e = run.expected[t];
    e.store = &store;
    e.master = master_url;
    e.counters = &run.counters;
    if (tenants[t].dialect != endpoint.dialect)
      continue;
    e.record = store.find(master_url, tenants[t].redacted());
    for (const schema::Table& table : tables) {
      e.summary_first.push_back(
          LastEqual::expected_equal(e.record, run.counters, table.qualified_name()) ? 1 : 0);
    }
  }
}

// The master is read once and its summaries serve every tenant. Every master read of the
// run sees one snapshot where the master can share it between sessions (PostgreSQL,
// MariaDB): the sessions are opened at the start in that snapshot (MasterSessions).
// Elsewhere each session reads its own snapshot, and a master that changes during the run
// reaches some tenants only at the next one.
void open_master(MasterRun& run, const Endpoint& endpoint, const std::vector<Endpoint>& tenants,
                 const DataSyncOptions& options) {
  auto session = connectors::connect(endpoint);
  const schema::Catalog catalog = session->introspect({.tables_only = true});
  const connectors::ServerHashing hashing = session->server_hashing();
  const auto chosen = select_tables(catalog, options.tables);
  // Chunks of canonical rows are only needed for tenants that cannot compare on the servers.
  const bool client_chunks = options.client_hashing || hashing == connectors::ServerHashing::none ||
                             std::any_of(tenants.begin(), tenants.end(), [&](const Endpoint& e) {
                               return e.dialect != endpoint.dialect;
                             });
  const bool same_dialect_tenants =
      std::any_of(tenants.begin(), tenants.end(),
                  [&](const Endpoint& e) { return e.dialect == endpoint.dialect; });
  // Tenants of the master's dialect compare on the servers. Where a whole-table summary is
  // cheaper than bucket summaries (PostgreSQL), the master sums its tables in the background
  // while the tenants sum theirs; the master's buckets are summed only for a table that some
  // tenant has different, once (diff::diff_table_on_servers). Otherwise (MySQL/MariaDB) the
  // buckets come at once.
  const bool background_summaries = !chosen.empty() && same_dialect_tenants &&
                                    !options.client_hashing &&
                                    hashing == connectors::ServerHashing::summary_first;
  // One session per tenant at work, two when it writes (rows are read on a second one while
  // the comparison streams), one for the chunks, one for the background summaries.
  run.expected.resize(tenants.size());
  if (background_summaries && !options.state_dir.empty())
    expect(run, *session, chosen, endpoint, tenants, options);
  const std::size_t workers =
      std::min(tenants.size(), static_cast<std::size_t>(std::max(1, options.jobs)));
  MasterSessions& master =
      run.sessions.emplace(endpoint, workers * (options.dry_run ? 1 : 2) + (client_chunks ? 1 : 0) +
                                         (background_summaries ? 1 : 0));
  if (!master.shared() && endpoint.dialect != Dialect::sqlite) {
    spdlog::warn(
        "the master's sessions read separate snapshots ({}): a master that changes during the "
        "run may reach some tenants only at the next run",
        master.why_not_shared());
  }
  session.reset();
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    run.tables.push_back(diff::master_table(endpoint.dialect, *chosen[i], client_chunks));
    // The master sums its buckets at once when some tenant is expected to differ.
    run.tables.back().buckets_at_once = std::any_of(
        run.expected.begin(), run.expected.end(),
        [&](const Expectations& e) { return !e.summary_first.empty() && !e.summary_first[i]; });
  }
  // The master's chunks are read on a session of their own in the background and published as they
  // come, so tenants compare while the master is still being read.
  if (client_chunks) {
    // Every feed ends, so that no tenant waits for ever: summarize_chunks() ends a failed read's
    // feed with its error, and the tables after it are not read (the failure may have aborted
    // the session's transaction) but ended with an error that names the first.
    run.chunks = std::async(std::launch::async, [&run, &options, session = master.take()] {
      std::string failed;
      for (const diff::MasterTable& t : run.tables) {
        if (!failed.empty()) {
          t.chunks->finish(std::make_exception_ptr(
              Error(ErrorKind::failure, "table " + t.table.qualified_name() +
                                            " was not read from the master: reading table " +
                                            failed + " failed first")));
          continue;
        }
        const auto table_start = Clock::now();
        if (!diff::summarize_chunks(*session, t, options.diff))
          failed = t.table.qualified_name();
        spdlog::debug("master {}: read in chunks in {:.2f}s", t.table.qualified_name(),
                      seconds_since(table_start));
      }
    });
  }
  if (background_summaries)
    run.summaries = diff::server_summaries(master.take(), run.tables);
}

}  // namespace

void check_tables(const Endpoint& master, const std::vector<std::string>& tables) {
  select_tables(connectors::connect(master)->introspect({.tables_only = true}), tables);
}

DataSyncReport sync_data(const Endpoint& master_endpoint, const std::vector<Endpoint>& tenants,
                         const DataSyncOptions& options, const TenantDataDone& on_tenant,
                         const TableDone& on_table) {
  const auto start = Clock::now();
  DataSyncReport report;
  report.master = master_endpoint.redacted();
  report.dry_run = options.dry_run;

  // The master's sessions open on a thread of their own while the first tenants open theirs
  // and read their catalogs: neither waits for the other's round trips.
  MasterRun master;
  const std::shared_future<void> master_open =
      std::async(std::launch::async, [&] {
        open_master(master, master_endpoint, tenants, options);
      }).share();
  const auto master_failed = [&master_open] {
    try {
      master_open.get();
      return false;
    } catch (...) {
      return true;  // rethrown below, once every tenant has stopped
    }
  };

  report.tenants.resize(tenants.size());
  std::mutex report_mutex;  // serializes the callbacks
  const TableDone table_done = [&](std::size_t index, const std::string& tenant,
                                   const TableResult& t) {
    if (!on_table)
      return;
    std::lock_guard lock(report_mutex);
    on_table(index, tenant, t);
  };
  for_each_target(tenants.size(), options.jobs, [&](std::size_t i) {
    const LogField log_tenant("tenant", tenants[i].redacted());
    // A master known to have failed spares the tenants' connections.
    if (master_open.wait_for(std::chrono::seconds(0)) == std::future_status::ready &&
        master_failed())
      return;
    TenantSessions sessions = open_tenant(tenants[i], options);
    if (master_failed())
      return;
    report.tenants[i] = TenantSync(*master.sessions, i, tenants[i], master.tables, options,
                                   table_done, master.expected[i])
                            .run(std::move(sessions));
    if (on_tenant) {
      std::lock_guard lock(report_mutex);
      on_tenant(report.tenants[i]);
    }
  });
  master_open.get();
  report.shared_snapshot = master.sessions->shared();
  report.seconds = seconds_since(start);
  return report;
}

}  // namespace ferry::engine
