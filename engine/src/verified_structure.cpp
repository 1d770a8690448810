#include "verified_structure.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "ferry/common/process.hpp"
#include "ferry/engine/paths.hpp"

namespace ferry::engine {
namespace {

// The running binary by inode, size and modification time: any rebuild or upgrade of ferry
// changes it.
const std::string& binary_identity() {
  static const std::string identity = [] {
    struct stat st {};
    if (::stat("/proc/self/exe", &st) != 0)
      return std::string("unknown");
    return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
           std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  }();
  return identity;
}

}  // namespace

VerifiedStructure::VerifiedStructure(std::filesystem::path state_dir, std::string scope)
    : m_dir(std::move(state_dir) / "verified-structure"), m_scope(std::move(scope)) {}

std::filesystem::path VerifiedStructure::file(const StampedSide& master,
                                              const StampedSide& tenant) const {
  // The name only spreads pairs over files; the record itself says which pair it is for.
  char name[32];
  std::snprintf(name, sizeof name, "%08x.json",
                stable_hash32(master.url + '\n' + tenant.url + '\n' + m_scope));
  return m_dir / name;
}

std::optional<VerifiedStructure::Verified> VerifiedStructure::find(
    const StampedSide& master, const StampedSide& tenant) const {
  std::ifstream in(file(master, tenant));
  if (!in)
    return std::nullopt;
  // An unreadable record (cut short by a full disk, edited by hand) is no record.
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  if (!doc.is_object())
    return std::nullopt;
  const auto field = [&](const char* key) {
    const auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string{};
  };
  if (field("master") != master.url || field("tenant") != tenant.url || field("scope") != m_scope ||
      field("master_stamp") != master.stamp || field("tenant_stamp") != tenant.stamp ||
      field("binary") != binary_identity() || field("verified_at").empty()) {
    return std::nullopt;
  }
  Verified verified{.at = field("verified_at"), .notes = {}};
  const auto notes = doc.find("notes");
  if (notes == doc.end() || !notes->is_array())
    return std::nullopt;
  for (const nlohmann::json& note : *notes) {
    if (!note.is_string())
      return std::nullopt;
    verified.notes.push_back(note.get<std::string>());
  }
  return verified;
}

void VerifiedStructure::record(const StampedSide& master, const StampedSide& tenant,
                               const std::vector<std::string>& notes) const {
  const nlohmann::json doc{{"master", master.url},
                           {"tenant", tenant.url},
                           {"scope", m_scope},
                           {"master_stamp", master.stamp},
                           {"tenant_stamp", tenant.stamp},
                           {"binary", binary_identity()},
                           {"notes", notes},
                           {"verified_at", now_utc()}};
  try {
    write_file_atomically(file(master, tenant), doc.dump(2) + "\n");
  } catch (const std::exception& e) {
    spdlog::warn(
        "{}: cannot record that it matches the master ({}); the next check reads both "
        "catalogs again",
        tenant.url, e.what());
  }
}

}  // namespace ferry::engine
