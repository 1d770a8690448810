// Structure plans: what it takes to make a tenant's structure equal to the master's
// (docs/ARCHITECTURE.md, "Plans"; docs/structure-sync.md). diff() compares two catalogs of one
// dialect and returns an ordered list of changes, each rendered to SQL in that dialect and tagged
// with a risk class. Pure: no I/O, so plans and their SQL are unit-tested without a server.
#pragma once

#include <string>
#include <vector>

#include "ferry/schema/catalog.hpp"

namespace ferry::schema {

// How much a change can hurt. Ordered by severity.
enum class Risk {
  safe,            // adds or relaxes; cannot fail on existing data
  rewrite,         // may lock or rewrite a table (e.g. a column type change)
  data_dependent,  // may fail depending on the data (NOT NULL, new unique key, FK, check)
  destructive,     // drops or narrows: data can be lost. Needs --allow-drop.
};

const char* to_string(Risk risk) noexcept;

struct Change {
  Risk risk = Risk::safe;
  std::string description;       // one line for humans: "add column public.orders.note text"
  std::vector<std::string> sql;  // statements in the tenant's dialect, in order; empty when
                                 // the change cannot be made safely and must be done by hand
  bool commit_first = false;     // must commit before the rest of the plan (PostgreSQL enum labels)
};

// An object that only the tenant has. Reported, never dropped unless allow_drop.
struct Drift {
  std::string kind;  // table, column, index, unique, foreign key, check, view, sequence, enum
  std::string name;  // qualified: "public.orders", "public.orders.note"
};

// Something one side holds that ferry does not model (Catalog::unmodelled). Such a pair is
// never called equal: `schema diff` exits 3 and sync reports list it.
struct NotCompared {
  std::string side;  // "master" or "tenant"
  std::string kind;
  std::string name;
  bool operator==(const NotCompared&) const = default;
};

struct Plan {
  Dialect dialect = Dialect::sqlite;
  std::vector<Change> changes;  // in the order they must run
  std::vector<Drift> drift;     // tenant-only objects (dropped by `changes` when allow_drop)
  std::vector<NotCompared> not_compared;
  // Differences reported and never applied: PostgreSQL cannot reorder columns, so a column
  // order that differs is information, not a change.
  std::vector<std::string> notes;

  bool empty() const noexcept { return changes.empty(); }
  // Nothing to change and nothing left uncompared: the two structures are equal.
  bool equal() const noexcept { return changes.empty() && not_compared.empty(); }
  // Changes that need --allow-drop (risk destructive). A tenant with any of them and no
  // --allow-drop is blocked: nothing of its plan runs.
  std::vector<const Change*> destructive() const;
  // Every statement of the plan, in order.
  std::vector<std::string> statements() const;
  // Changes that cannot be applied by a statement (empty sql).
  std::vector<const Change*> manual() const;
};

struct DiffOptions {
  bool allow_drop = false;  // drop tenant-only objects (drift) too
  // PostgreSQL: compare owners and grants (both catalogs read with them) and plan ALTER ...
  // OWNER TO, GRANT and REVOKE. Without it they are not compared, and the plan notes so. Other
  // dialects: Error(usage), their privileges are the server's, not the schema's.
  bool privileges = false;
};

// Error(usage) when `options` ask for what `dialect` lacks (privileges outside PostgreSQL).
// diff() checks; callers may check before they read catalogs.
void check_options(Dialect dialect, const DiffOptions& options);

// The plan that makes `tenant` structurally equal to `master`. Both must be of one
// dialect. Objects are matched by name: renames are never guessed.
Plan diff(const Catalog& master, const Catalog& tenant, const DiffOptions& options);

// A stable hash of the structure (row estimates and server version excluded): tenants
// with equal fingerprints get equal plans, so a plan is computed once per fingerprint. The
// XXH3-128 of the catalog JSON without them, as Hash128::hex() (32 lowercase hex digits).
std::string fingerprint(const Catalog& catalog);

}  // namespace ferry::schema
