#include "ferry/engine/schema_sync.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "ferry/common/log.hpp"
#include "ferry/connectors/connector.hpp"
#include "ferry/engine/migrate.hpp"
#include "ferry/schema/filter.hpp"
#include "journal.hpp"
#include "parallel.hpp"
#include "verified_structure.hpp"

namespace ferry::engine {
namespace {

// The objects structure sync compares: the include and exclude patterns, less ferry's own
// migration history, which each tenant keeps for itself (neither copied nor dropped). Not a
// pattern: patterns also drop schemas left empty, which plain `ferry schema sync` keeps.
void filter(schema::Catalog& catalog, const SchemaSyncOptions& options) {
  std::erase_if(catalog.tables, [](const schema::Table& t) { return t.name == k_history_table; });
  std::erase_if(catalog.objects,
                [](const schema::SchemaObject& o) { return o.table == k_history_table; });
  schema::filter_catalog(catalog, options.include, options.exclude);
}

constexpr std::string_view k_lock_name = "schema-sync";

// The master: its stamp, taken when the sync starts, and its catalog, read (after the stamp)
// the first time a tenant needs it, so a fleet where every tenant is unchanged since a
// verified check reads no catalog at all.
class Master {
 public:
  Master(const Endpoint& endpoint, const SchemaSyncOptions& options)
      : m_url(endpoint.redacted()), m_connector(connectors::connect(endpoint)), m_options(options) {
    if (!options.state_dir.empty())
      m_stamp = m_connector->catalog_stamp();
    // Without a stamp every tenant needs the catalog: read it now, so an error in it is the
    // sync's error rather than every tenant's.
    if (!m_stamp)
      catalog();
  }

  const std::string& url() const { return m_url; }
  const std::optional<std::string>& stamp() const { return m_stamp; }

  const schema::Catalog& catalog() {
    std::call_once(m_read, [this] {
      m_catalog = m_connector->introspect({.privileges = m_options.privileges});
      filter(m_catalog, m_options);
    });
    return m_catalog;
  }

 private:
  std::string m_url;
  std::unique_ptr<connectors::Connector> m_connector;
  const SchemaSyncOptions& m_options;
  std::optional<std::string> m_stamp;
  std::once_flag m_read;
  schema::Catalog m_catalog;
};

// Plans by tenant catalog fingerprint: tenants whose structure is identical share one plan,
// computed once even when they ask at the same moment (the first computes, the others wait
// on its future). m_mutex guards m_plans.
class PlanCache {
 public:
  PlanCache(Master& master, const schema::DiffOptions& options)
      : m_master(master), m_options(options) {}

  schema::Plan plan_for(const schema::Catalog& tenant, bool& reused) {
    const std::string key = schema::fingerprint(tenant);
    std::promise<schema::Plan> promise;
    std::shared_future<schema::Plan> future;
    {
      std::lock_guard lock(m_mutex);
      const auto it = m_plans.find(key);
      reused = it != m_plans.end();
      if (reused) {
        future = it->second;
      } else {
        future = promise.get_future().share();
        m_plans.emplace(key, future);
      }
    }
    if (!reused) {
      try {
        promise.set_value(schema::diff(m_master.catalog(), tenant, m_options));
      } catch (...) {
        promise.set_exception(std::current_exception());
      }
    }
    return future.get();
  }

 private:
  Master& m_master;
  const schema::DiffOptions& m_options;
  std::mutex m_mutex;
  std::map<std::string, std::shared_future<schema::Plan>> m_plans;
};

class TenantLock {
 public:
  TenantLock(connectors::Connector& connector) : m_connector(connector) {
    m_holder = connector.try_lock(k_lock_name);
  }
  ~TenantLock() {
    if (m_holder)
      return;
    try {
      m_connector.release_lock(k_lock_name);
    } catch (const std::exception&) {
      // The lock goes with the session anyway.
    }
  }
  TenantLock(const TenantLock&) = delete;
  TenantLock& operator=(const TenantLock&) = delete;
  const std::optional<std::string>& holder() const { return m_holder; }

 private:
  connectors::Connector& m_connector;
  std::optional<std::string> m_holder;
};

std::vector<std::string> descriptions(const std::vector<const schema::Change*>& changes) {
  std::vector<std::string> out;
  for (const schema::Change* c : changes)
    out.push_back(c->description);
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items)
    out += (out.empty() ? "" : "; ") + s;
  return out;
}

void apply(connectors::Connector& tenant, TenantResult& result, const SchemaSyncOptions& options) {
  const std::vector<std::string> statements = result.plan.statements();
  connectors::SchemaApplyOptions apply_options{.lock_timeout = options.lock_timeout};
  std::optional<Journal> journal;
  if (tenant.dialect() == Dialect::mysql) {
    journal.emplace(options.state_dir, result.tenant);
    if (const auto earlier = journal->interrupted()) {
      spdlog::warn(
          "{}: an earlier run ({}, started {}) stopped after {} of {} statements; "
          "planning again from the live catalog and applying the rest",
          result.tenant, earlier->process, earlier->started, earlier->committed,
          earlier->statements.size());
    }
    journal->begin(statements);
    apply_options.on_committed = [&](std::size_t i) { journal->committed(i + 1); };
  }
  // Changes that must commit before the rest (PostgreSQL enum labels) go in a run of their own.
  std::vector<std::string> first, rest;
  for (const schema::Change& c : result.plan.changes) {
    (c.commit_first ? first : rest)
        .insert((c.commit_first ? first : rest).end(), c.sql.begin(), c.sql.end());
  }
  try {
    if (!first.empty() && tenant.dialect() == Dialect::postgres) {
      tenant.apply_schema_changes(first, apply_options);
      tenant.apply_schema_changes(rest, apply_options);
    } else {
      tenant.apply_schema_changes(statements, apply_options);
    }
  } catch (...) {
    // A statement failed and said why: that is reported, not an interrupted run. The next
    // run plans from the live catalog, which holds whatever did commit.
    if (journal)
      journal->finish();
    throw;
  }
  if (journal)
    journal->finish();
  result.applied = result.plan.changes.size();
}

// What a verified record depends on besides the two catalogs: every option that changes what
// is compared.
std::string scope(const SchemaSyncOptions& options) {
  std::string out = options.allow_drop ? "allow_drop" : "keep_drift";
  out += options.privileges ? " privileges" : "";
  for (const std::string& p : options.include)
    out += " +" + p;
  for (const std::string& p : options.exclude)
    out += " -" + p;
  return out;
}

// A plan that says the two are equal: no change, no drift, nothing left uncompared. Only such
// a finding is recorded as verified, with its notes (which a later check repeats).
bool all_equal(const schema::Plan& plan) {
  return plan.equal() && plan.drift.empty();
}

TenantResult sync_tenant(const Endpoint& endpoint, PlanCache& plans, Master& master,
                         const VerifiedStructure& verified, const SchemaSyncOptions& options) {
  const auto start = Clock::now();
  TenantResult result;
  result.tenant = endpoint.redacted();
  result.plan.dialect = endpoint.dialect;
  try {
    auto tenant = connectors::connect(endpoint);
    // A dry run writes nothing anywhere, not even a lock (SQLite's is a file).
    std::optional<TenantLock> lock;
    if (!options.dry_run)
      lock.emplace(*tenant);
    if (lock && lock->holder()) {
      result.status = TenantStatus::locked;
      result.error = "another schema sync holds this tenant's lock: " + *lock->holder();
      result.seconds = seconds_since(start);
      return result;
    }
    // Stamps are taken before the catalogs are read, so a change racing the read can only
    // make the next check read again.
    const std::optional<StampedSide> master_side =
        master.stamp() ? std::optional<StampedSide>({master.url(), *master.stamp()}) : std::nullopt;
    std::optional<StampedSide> tenant_side;
    if (master_side) {
      if (const auto stamp = tenant->catalog_stamp())
        tenant_side = StampedSide{result.tenant, *stamp};
    }
    if (master_side && tenant_side && !options.recheck) {
      if (auto found = verified.find(*master_side, *tenant_side)) {
        result.status = TenantStatus::in_sync;
        result.unchanged_since = std::move(found->at);
        result.plan.notes = std::move(found->notes);
        result.seconds = seconds_since(start);
        return result;
      }
    }
    const auto record_if_equal = [&](const schema::Plan& plan) {
      if (master_side && tenant_side && !options.dry_run && all_equal(plan))
        verified.record(*master_side, *tenant_side, plan.notes);
    };
    schema::Catalog before = tenant->introspect({.privileges = options.privileges});
    filter(before, options);
    result.plan = plans.plan_for(before, result.plan_reused);
    const auto destructive = result.plan.destructive();
    if (result.plan.empty()) {
      result.status =
          result.plan.not_compared.empty() ? TenantStatus::in_sync : TenantStatus::unverified;
      record_if_equal(result.plan);
    } else if (!destructive.empty() && !options.allow_drop) {
      result.status = TenantStatus::blocked;
      result.error = "needs --allow-drop for " + joined(descriptions(destructive));
    } else if (const auto manual = result.plan.manual(); !manual.empty()) {
      result.status = TenantStatus::blocked;
      result.error = "needs to be done by hand: " + joined(descriptions(manual));
    } else if (options.dry_run) {
      result.status = TenantStatus::planned;
    } else {
      apply(*tenant, result, options);
      if (tenant_side) {
        if (const auto stamp = tenant->catalog_stamp())
          tenant_side->stamp = *stamp;
        else
          tenant_side.reset();
      }
      schema::Catalog after = tenant->introspect({.privileges = options.privileges});
      filter(after, options);
      const schema::Plan left =
          schema::diff(master.catalog(), after,
                       {.allow_drop = options.allow_drop, .privileges = options.privileges});
      if (left.empty()) {
        result.status = TenantStatus::applied;
        record_if_equal(left);
      } else {
        result.status = TenantStatus::failed;
        for (const schema::Change& c : left.changes)
          result.remaining.push_back(c.description);
        result.error = "after applying, the tenant still differs: " + joined(result.remaining);
      }
    }
  } catch (const std::exception& e) {
    result.status = TenantStatus::failed;
    result.error = endpoint.scrub(e.what());
  }
  result.seconds = seconds_since(start);
  return result;
}

}  // namespace

const char* to_string(TenantStatus status) noexcept {
  switch (status) {
    case TenantStatus::in_sync:
      return "in sync";
    case TenantStatus::unverified:
      return "unverified";
    case TenantStatus::planned:
      return "planned";
    case TenantStatus::applied:
      return "applied";
    case TenantStatus::blocked:
      return "blocked";
    case TenantStatus::locked:
      return "locked";
    case TenantStatus::failed:
      return "failed";
  }
  return "failed";
}

ExitCode SchemaSyncReport::exit_code() const noexcept {
  std::size_t bad = 0;
  for (const TenantResult& t : tenants) {
    if (t.status == TenantStatus::blocked || t.status == TenantStatus::locked ||
        t.status == TenantStatus::failed) {
      ++bad;
    }
  }
  if (bad == 0)
    return ExitCode::ok;
  return bad == tenants.size() ? ExitCode::failure : ExitCode::partial_failure;
}

SchemaSyncReport sync_schema(const Endpoint& master_endpoint, const std::vector<Endpoint>& tenants,
                             const SchemaSyncOptions& options, const TenantDone& on_done) {
  const auto start = Clock::now();
  SchemaSyncReport report;
  report.master = master_endpoint.redacted();
  report.dry_run = options.dry_run;
  const schema::DiffOptions diff_options{.allow_drop = options.allow_drop,
                                         .privileges = options.privileges};
  schema::check_options(master_endpoint.dialect, diff_options);
  Master master(master_endpoint, options);
  PlanCache plans(master, diff_options);
  const VerifiedStructure verified(options.state_dir, scope(options));

  report.tenants.resize(tenants.size());
  std::mutex done_mutex;  // serializes on_done
  for_each_target(tenants.size(), options.jobs, [&](std::size_t i) {
    const LogField log_tenant("tenant", tenants[i].redacted());
    report.tenants[i] = sync_tenant(tenants[i], plans, master, verified, options);
    report.tenants[i].index = i;
    if (on_done) {
      std::lock_guard lock(done_mutex);
      on_done(report.tenants[i]);
    }
  });
  report.seconds = seconds_since(start);
  return report;
}

StructureCheck check_structure(const Endpoint& master_endpoint, const Endpoint& tenant_endpoint,
                               const SchemaSyncOptions& options) {
  const schema::DiffOptions diff_options{.allow_drop = options.allow_drop,
                                         .privileges = options.privileges};
  schema::check_options(master_endpoint.dialect, diff_options);
  const VerifiedStructure verified(options.state_dir, scope(options));
  const bool stamped = !options.state_dir.empty();
  // Each side on its own thread: each waits mostly on its server. When both fail, the
  // master's error is the one reported.
  struct Side {
    std::optional<StampedSide> stamp;
    std::unique_ptr<connectors::Connector> connector;
  };
  const auto open = [stamped](const Endpoint& endpoint) {
    Side side{.stamp = std::nullopt, .connector = connectors::connect(endpoint)};
    if (stamped) {
      if (auto stamp = side.connector->catalog_stamp())
        side.stamp = StampedSide{endpoint.redacted(), std::move(*stamp)};
    }
    return side;
  };
  const auto read = [&options](Side& side) {
    schema::Catalog catalog = side.connector->introspect({.privileges = options.privileges});
    filter(catalog, options);
    return catalog;
  };
  const auto both = [](auto master_work, auto tenant_work) {
    auto master_result = std::async(std::launch::async, master_work);
    std::exception_ptr tenant_error;
    decltype(tenant_work()) tenant_result{};
    try {
      tenant_result = tenant_work();
    } catch (...) {
      tenant_error = std::current_exception();
    }
    auto master_value = master_result.get();
    if (tenant_error)
      std::rethrow_exception(tenant_error);
    return std::make_pair(std::move(master_value), std::move(tenant_result));
  };

  auto sides = both([&] { return open(master_endpoint); }, [&] { return open(tenant_endpoint); });
  Side& master = sides.first;
  Side& tenant = sides.second;
  StructureCheck check;
  check.plan.dialect = master_endpoint.dialect;
  if (master.stamp && tenant.stamp && !options.recheck) {
    if (auto found = verified.find(*master.stamp, *tenant.stamp)) {
      check.unchanged_since = std::move(found->at);
      check.plan.notes = std::move(found->notes);
      return check;
    }
  }
  const auto catalogs = both([&] { return read(master); }, [&] { return read(tenant); });
  check.plan = schema::diff(catalogs.first, catalogs.second, diff_options);
  if (master.stamp && tenant.stamp && all_equal(check.plan))
    verified.record(*master.stamp, *tenant.stamp, check.plan.notes);
  return check;
}

}  // namespace ferry::engine
