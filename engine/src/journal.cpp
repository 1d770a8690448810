#include "journal.hpp"

#include "ferry/engine/paths.hpp"

#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ferry/common/error.hpp"
#include "ferry/common/process.hpp"

namespace ferry::engine {

Journal::Journal(const std::filesystem::path& state_dir, const std::string& tenant) {
  char name[32];
  std::snprintf(name, sizeof name, "%08x.json", stable_hash32(tenant));
  m_path = state_dir / "schema-journal" / name;
  m_entry.tenant = tenant;
}

std::optional<JournalEntry> Journal::interrupted() const {
  std::ifstream in(m_path);
  if (!in)
    return std::nullopt;
  try {
    const nlohmann::json doc = nlohmann::json::parse(in);
    JournalEntry e;
    e.tenant = doc.at("tenant");
    e.started = doc.at("started");
    e.process = doc.at("process");
    e.statements = doc.at("statements").get<std::vector<std::string>>();
    e.committed = doc.at("committed");
    return e;
  } catch (const std::exception& e) {
    throw Error(ErrorKind::failure, "unreadable journal " + m_path.string() + ": " + e.what() +
                                        " (remove it to continue)");
  }
}

void Journal::begin(const std::vector<std::string>& statements) {
  m_entry.started = now_utc();
  m_entry.process = process_label();
  m_entry.statements = statements;
  m_entry.committed = 0;
  write();
}

void Journal::committed(std::size_t count) {
  m_entry.committed = count;
  write();
}

void Journal::finish() {
  std::error_code ec;
  std::filesystem::remove(m_path, ec);
}

void Journal::write() const {
  const nlohmann::json doc{{"tenant", m_entry.tenant},       {"started", m_entry.started},
                           {"process", m_entry.process},     {"statements", m_entry.statements},
                           {"committed", m_entry.committed}, {"status", "running"}};
  write_file_atomically(m_path, doc.dump(2) + "\n");
}

}  // namespace ferry::engine
