// Test support for pushes: source trees with every kind of entry, an independent tree
// comparison (diff -r, and lstat of every entry), and ferry runs with a JSON report.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace ferry::test {

namespace fs = std::filesystem;

// Writes `size` bytes of seeded pseudo-random (incompressible) data.
void write_random_file(const fs::path& path, std::uint64_t size, std::uint64_t seed);
void write_text(const fs::path& path, const std::string& text);
// Copies `from` to `to` inserting `insert` at byte offset `at`.
void copy_with_insert(const fs::path& from, const fs::path& to, std::uint64_t at,
                      const std::string& insert);

// A tree with nested directories, non-ASCII names, empty files and an empty directory,
// symlinks (relative, absolute, dangling), an executable and a few ordinary files.
void make_sample_tree(const fs::path& root);

// "" when `a` and `b` hold the same entries with the same types, contents, permission bits,
// link targets and mtimes (files and links); else the first difference. Uses `diff -r` for
// contents and lstat for the rest.
std::string compare_trees(const fs::path& a, const fs::path& b);

struct FerryRun {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
  nlohmann::json json() const;
};
// Runs ferry with `args` (shell words), stdout and stderr apart.
FerryRun ferry(const std::string& args);

// Arguments that make ssh:// targets reach the test sshd and the ferry under test.
std::string ssh_args();
// "ssh://USER@127.0.0.1:PORT" + root
std::string ssh_target(const fs::path& root);

// The target `current` of a release root points to ("" when there is none).
std::string current_of(const fs::path& root);

// Total bytes the nodes received in a --json push report (sum of nodes[].bytes_sent).
std::uint64_t bytes_sent(const nlohmann::json& report);

}  // namespace ferry::test
