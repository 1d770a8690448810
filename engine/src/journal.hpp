// Internal: the apply journal of a tenant whose DDL commits statement by statement (MySQL,
// MariaDB). One JSON file per tenant in <state_dir>/schema-journal/, rewritten atomically
// (temp file + rename) after every committed statement. A journal still marked running when
// a sync starts means an earlier run was interrupted; the new run says so, plans again from
// the live catalog (which already holds what was committed) and applies only the rest.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ferry::engine {

struct JournalEntry {
  std::string tenant;   // redacted URL
  std::string started;  // UTC, ISO 8601
  std::string process;  // process_label() of the run that wrote it
  std::vector<std::string> statements;
  std::size_t committed = 0;  // statements committed so far
};

class Journal {
 public:
  Journal(const std::filesystem::path& state_dir, const std::string& tenant);

  // The entry an interrupted run left behind, if any.
  std::optional<JournalEntry> interrupted() const;
  void begin(const std::vector<std::string>& statements);
  void committed(std::size_t count);
  // The plan finished: the journal is removed.
  void finish();

 private:
  void write() const;

  std::filesystem::path m_path;
  JournalEntry m_entry;
};

}  // namespace ferry::engine
