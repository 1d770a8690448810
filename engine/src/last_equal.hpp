// Internal: what a data sync remembers of the tables it left equal to the master, so that the
// next run can guess which tenants' tables differ before it reads a row (docs/data-sync.md,
// "One pass per side").
//
// A record is kept per (master, tenant) in <state_dir>/data-sync/, one JSON file rewritten
// atomically. Per table it holds the master's write counters (connectors::Connector::
// write_counters()) and the master's summary at the run that found or made the tenant's
// table equal. The guess is only a guess: the counters may lag the last writes, and a tenant
// may change behind ferry's back, so a table expected equal is still compared (the whole
// table's summary first), and one expected to differ is compared by buckets at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace ferry::engine {

struct EqualTable {
  std::string master_counters;  // the master's write counters then
  std::uint64_t master_rows = 0;
  std::string master_digest;  // the master's summary then (empty when it had none)
  std::string at;             // when (UTC, ISO 8601)
  bool operator==(const EqualTable&) const = default;
};

class LastEqual {
 public:
  // An empty state_dir keeps no records: every find() is empty, record() does nothing.
  explicit LastEqual(std::filesystem::path state_dir);

  // The tables of `tenant` (redacted URL) last found equal to `master`'s, by qualified name.
  std::map<std::string, EqualTable> find(const std::string& master,
                                         const std::string& tenant) const;
  // Replaces the pair's record. One that cannot be written costs only the next run's speed:
  // it is logged as a warning.
  void record(const std::string& master, const std::string& tenant,
              const std::map<std::string, EqualTable>& tables) const;

  // Whether `table` of a tenant whose record is `tenant` is expected equal to the master,
  // whose write counters are now `counters` (write_counters() of this run).
  static bool expected_equal(const std::map<std::string, EqualTable>& tenant,
                             const std::map<std::string, std::string>& counters,
                             const std::string& table);

 private:
  std::filesystem::path file(const std::string& master, const std::string& tenant) const;
  std::filesystem::path m_dir;
};

}  // namespace ferry::engine
