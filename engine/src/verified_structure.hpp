// Internal: the record of structure checks that found a tenant equal to its master, so a
// later check can say "in sync" without reading either catalog when neither has changed.
//
// A record is kept per (master, tenant, scope) in <state_dir>/verified-structure/, one JSON
// file rewritten atomically. It holds the catalog stamps of both sides
// (connectors::Connector::catalog_stamp(), taken before the catalogs found equal were read)
// and the identity of the ferry binary that compared them, since a new build may compare
// more. A check whose two stamps and binary are those of the record skips both catalog reads;
// any difference in any of them means a full check, which records again when it finds the
// two equal.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ferry::engine {

struct StampedSide {
  std::string url;  // redacted
  std::string stamp;
};

class VerifiedStructure {
 public:
  // `scope` holds every option that changes what is compared (allow_drop, privileges,
  // include and exclude patterns): a record made under one scope is never used under another.
  VerifiedStructure(std::filesystem::path state_dir, std::string scope);

  struct Verified {
    std::string at;                  // when the check ran (UTC, ISO 8601)
    std::vector<std::string> notes;  // the plan's notes (schema::Plan::notes) it found
  };
  // The check this pair's record holds, when it was made with these very stamps.
  std::optional<Verified> find(const StampedSide& master, const StampedSide& tenant) const;
  // Records that a check found the pair equal, with the notes of its plan. A record that
  // cannot be written costs only the next check's speed: it is logged as a warning.
  void record(const StampedSide& master, const StampedSide& tenant,
              const std::vector<std::string>& notes) const;

 private:
  std::filesystem::path file(const StampedSide& master, const StampedSide& tenant) const;

  std::filesystem::path m_dir;
  std::string m_scope;
};

}  // namespace ferry::engine
