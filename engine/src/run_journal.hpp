// Internal: the journal and lock of `ferry sync` runs in the state directory.
//
//   <state_dir>/run.lock          flock()ed while a run is going; holds "pid N on HOST since T"
//   <state_dir>/runs/<id>.json    one run: its mode, and per tenant what is finished
//   <state_dir>/runs/last         the id of the latest run
//
// The journal is rewritten (temp file + rename) after every finished step, so a run killed
// at any point leaves a journal that says exactly which tenants and tables were done.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ferry::engine {

class RunLock {
 public:
  // Takes <state_dir>/<file> or throws Error naming the other run (`what`, e.g. "ferry
  // sync") with its pid and start time.
  explicit RunLock(const std::filesystem::path& state_dir, const std::string& file = "run.lock",
                   const std::string& what = "ferry sync");
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int m_fd = -1;
};

struct TenantProgress {
  bool structure_done = false;
  std::set<std::string> tables_done;
  bool finished = false;  // every step done
};

class RunJournal {
 public:
  // A new run over `tenants`.
  static RunJournal start(const std::filesystem::path& state_dir, const std::string& mode,
                          const std::vector<std::string>& tenants);
  // The latest run, if there is one.
  static std::optional<RunJournal> last(const std::filesystem::path& state_dir);

  const std::string& id() const { return m_id; }
  const std::string& mode() const { return m_mode; }
  const std::string& started() const { return m_started; }
  bool finished() const { return m_finished; }
  // When finish() was called ("2026-12-04T03:12:09Z"); "an unknown time" for journals
  // written before ferry kept it.
  const std::string& finished_at() const { return m_finished_at; }
  const std::vector<std::string>& tenants() const { return m_order; }
  TenantProgress progress(const std::string& tenant) const;

  void structure_done(const std::string& tenant);
  void table_done(const std::string& tenant, const std::string& table);
  void tenant_finished(const std::string& tenant);
  // The run reached its end, with this exit code (0, or 4/1 when tenants failed).
  void finish(int exit_code);

 private:
  RunJournal() = default;
  void save() const;  // callers hold m_mutex

  std::filesystem::path m_dir;
  std::string m_id;
  std::string m_mode;
  std::string m_started;
  bool m_finished = false;
  std::string m_finished_at;
  int m_exit_code = -1;
  std::vector<std::string> m_order;
  std::map<std::string, TenantProgress> m_progress;
  mutable std::unique_ptr<std::mutex> m_mutex = std::make_unique<std::mutex>();  // guards all
};

}  // namespace ferry::engine
