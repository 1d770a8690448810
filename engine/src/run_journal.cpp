#include "run_journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ferry/common/error.hpp"
#include "ferry/common/process.hpp"
#include "ferry/engine/paths.hpp"

namespace ferry::engine {

RunLock::RunLock(const std::filesystem::path& state_dir, const std::string& file,
                 const std::string& what) {
  std::filesystem::create_directories(state_dir);
  const std::filesystem::path path = state_dir / file;
  m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (m_fd < 0) {
    throw Error(ErrorKind::failure, "cannot open " + path.string() + ": " + std::strerror(errno));
  }
  if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[256] = {};
    const ssize_t n = ::pread(m_fd, buf, sizeof buf - 1, 0);
    ::close(m_fd);
    m_fd = -1;
    throw Error(ErrorKind::failure,
                "another " + what + " is running on " + state_dir.string() + ": " +
                    (n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "unknown process") +
                    "; wait for it, or use another state_dir");
  }
  const std::string label = process_label() + " since " + now_utc("%Y-%m-%d %H:%M:%S UTC");
  if (::ftruncate(m_fd, 0) != 0 || ::pwrite(m_fd, label.data(), label.size(), 0) < 0) {
    // The lock holds without the label; only another run's message suffers.
  }
}

RunLock::~RunLock() {
  if (m_fd >= 0)
    ::close(m_fd);
}

RunJournal RunJournal::start(const std::filesystem::path& state_dir, const std::string& mode,
                             const std::vector<std::string>& tenants) {
  RunJournal j;
  j.m_dir = state_dir / "runs";
  static std::atomic<int> runs{0};  // several runs in one process (ferry demo) stay apart
  j.m_id =
      now_utc("%Y%m%dT%H%M%SZ") + "-" + std::to_string(::getpid()) + "-" + std::to_string(runs++);
  j.m_mode = mode;
  j.m_started = now_utc("%Y-%m-%dT%H:%M:%SZ");
  j.m_order = tenants;
  for (const std::string& t : tenants)
    j.m_progress[t] = {};
  std::lock_guard lock(*j.m_mutex);
  j.save();
  write_file_atomically(j.m_dir / "last", j.m_id + "\n");
  return j;
}

std::optional<RunJournal> RunJournal::last(const std::filesystem::path& state_dir) {
  const std::filesystem::path dir = state_dir / "runs";
  std::ifstream last(dir / "last");
  std::string id;
  if (!last || !std::getline(last, id) || id.empty())
    return std::nullopt;
  const std::filesystem::path path = dir / (id + ".json");
  std::ifstream in(path);
  if (!in)
    return std::nullopt;
  try {
    const nlohmann::json doc = nlohmann::json::parse(in);
    RunJournal j;
    j.m_dir = dir;
    j.m_id = doc.at("id");
    j.m_mode = doc.at("mode");
    j.m_started = doc.at("started");
    j.m_finished = doc.at("finished");
    j.m_finished_at = doc.value("finished_at", std::string("an unknown time"));
    j.m_exit_code = doc.value("exit_code", -1);
    for (const auto& t : doc.at("tenants")) {
      const std::string name = t.at("name");
      j.m_order.push_back(name);
      TenantProgress& p = j.m_progress[name];
      p.structure_done = t.at("structure_done");
      p.finished = t.at("finished");
      for (const auto& table : t.at("tables_done"))
        p.tables_done.insert(table.get<std::string>());
    }
    return j;
  } catch (const std::exception& e) {
    throw Error(ErrorKind::failure, "unreadable run journal " + path.string() + ": " + e.what());
  }
}

TenantProgress RunJournal::progress(const std::string& tenant) const {
  std::lock_guard lock(*m_mutex);
  const auto it = m_progress.find(tenant);
  return it == m_progress.end() ? TenantProgress{} : it->second;
}

void RunJournal::structure_done(const std::string& tenant) {
  std::lock_guard lock(*m_mutex);
  m_progress[tenant].structure_done = true;
  save();
}

void RunJournal::table_done(const std::string& tenant, const std::string& table) {
  std::lock_guard lock(*m_mutex);
  m_progress[tenant].tables_done.insert(table);
  save();
}

void RunJournal::tenant_finished(const std::string& tenant) {
  std::lock_guard lock(*m_mutex);
  m_progress[tenant].finished = true;
  save();
}

void RunJournal::finish(int exit_code) {
  std::lock_guard lock(*m_mutex);
  m_finished = true;
  m_exit_code = exit_code;
  m_finished_at = now_utc("%Y-%m-%dT%H:%M:%SZ");
  save();
}

void RunJournal::save() const {
  nlohmann::json tenants = nlohmann::json::array();
  for (const std::string& name : m_order) {
    const TenantProgress& p = m_progress.at(name);
    tenants.push_back({{"name", name},
                       {"structure_done", p.structure_done},
                       {"tables_done", p.tables_done},
                       {"finished", p.finished}});
  }
  const nlohmann::json doc{{"id", m_id},
                           {"mode", m_mode},
                           {"started", m_started},
                           {"finished", m_finished},
                           {"finished_at", m_finished_at},
                           {"exit_code", m_exit_code},
                           {"process", process_label()},
                           {"tenants", std::move(tenants)}};
  write_file_atomically(m_dir / (m_id + ".json"), doc.dump(2) + "\n");
}

}  // namespace ferry::engine
