#include "push_support.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <stdexcept>

#include "test_env.hpp"

namespace ferry::test {
namespace {

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::int64_t mtime_ns(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// The sender's scan cache and state (the trees last pushed, for deltas) of every ferry these
// tests start go to a directory of this test process, not to the user's home.
struct ScanCacheDir {
  ScanCacheDir() {
    path = fs::temp_directory_path() / ("ferry-push-test-cache-" + std::to_string(::getpid()));
    fs::create_directories(path);
    ::setenv("XDG_CACHE_HOME", path.c_str(), 1);
    ::setenv("FERRY_STATE_DIR", (path / "state").c_str(), 1);
  }
  ~ScanCacheDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};
const ScanCacheDir g_scan_cache_dir;

}  // namespace

void write_random_file(const fs::path& path, std::uint64_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::ofstream out(path, std::ios::binary);
  std::vector<std::uint64_t> block(1 << 16);
  std::uint64_t left = size;
  while (left > 0) {
    for (auto& v : block)
      v = rng();
    const std::uint64_t n = std::min<std::uint64_t>(left, block.size() * 8);
    out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
    left -= n;
  }
  if (!out)
    throw std::runtime_error("cannot write " + path.string());
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out)
    throw std::runtime_error("cannot write " + path.string());
}

void copy_with_insert(const fs::path& from, const fs::path& to, std::uint64_t at,
                      const std::string& insert) {
  std::ifstream in(from, std::ios::binary);
  std::ofstream out(to, std::ios::binary);
  std::vector<char> buffer(1 << 20);
  std::uint64_t copied = 0;
  bool inserted = false;
  while (in) {
    const std::uint64_t want =
        !inserted && at - copied < buffer.size() ? at - copied : buffer.size();
    in.read(buffer.data(), static_cast<std::streamsize>(want));
    const auto n = static_cast<std::uint64_t>(in.gcount());
    out.write(buffer.data(), static_cast<std::streamsize>(n));
    copied += n;
    if (!inserted && copied == at) {
      out << insert;
      inserted = true;
    }
    if (n == 0)
      break;
  }
  if (!out || !inserted)
    throw std::runtime_error("cannot write " + to.string());
}

void make_sample_tree(const fs::path& root) {
  fs::create_directories(root / "bin");
  fs::create_directories(root / "lib/deep/er/still");
  fs::create_directories(root / "empty-dir");
  fs::create_directories(root / "données/ünïcode");
  write_text(root / "README", "the release\n");
  write_text(root / "empty-file", "");
  write_text(root / "lib/deep/er/still/leaf.txt", "leaf\n");
  write_text(root / "données/ünïcode/日本語.txt", "こんにちは\n");
  write_text(root / "bin/run", "#!/bin/sh\necho run\n");
  fs::permissions(root / "bin/run", fs::perms(0755));
  write_text(root / "lib/private.key", "not really a key\n");
  fs::permissions(root / "lib/private.key", fs::perms(0600));
  write_random_file(root / "lib/blob.bin", 3 << 20, 7);
  fs::create_symlink("deep/er/still/leaf.txt", root / "lib/leaf-link");
  fs::create_symlink("/etc/hostname", root / "absolute-link");
  fs::create_symlink("does/not/exist", root / "dangling-link");
  fs::create_directory_symlink("lib", root / "lib-link");
}

std::string compare_trees(const fs::path& left_root, const fs::path& right_root) {
  // `current` is a link: compare what it points to.
  const fs::path a = fs::canonical(left_root), b = fs::canonical(right_root);
  const std::string cmd =
      "diff -r --no-dereference '" + a.string() + "' '" + b.string() + "' >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0)
    return "diff -r finds differences between " + a.string() + " and " + b.string();
  auto walk = [](const fs::path& root) {
    std::map<std::string, struct stat> out;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
         ++it) {
      struct stat st {};
      ::lstat(it->path().c_str(), &st);
      out.emplace(it->path().lexically_relative(root).string(), st);
    }
    return out;
  };
  const auto left = walk(a);
  const auto right = walk(b);
  for (const auto& [path, st] : left) {
    const auto it = right.find(path);
    if (it == right.end())
      return path + " is missing on the right";
    const struct stat& other = it->second;
    if ((st.st_mode & S_IFMT) != (other.st_mode & S_IFMT))
      return path + ": types differ";
    if (!S_ISLNK(st.st_mode) && (st.st_mode & 07777) != (other.st_mode & 07777))
      return path + ": modes differ";
    if (mtime_ns(st) != mtime_ns(other))
      return path + ": mtimes differ";
    if (S_ISLNK(st.st_mode) && fs::read_symlink(a / path) != fs::read_symlink(b / path))
      return path + ": link targets differ";
  }
  for (const auto& [path, st] : right) {
    if (!left.contains(path))
      return path + " is extra on the right";
  }
  return {};
}

nlohmann::json FerryRun::json() const {
  auto value = nlohmann::json::parse(out, nullptr, false);
  if (value.is_discarded())
    throw std::runtime_error("ferry did not print JSON:\n" + out + "\nstderr:\n" + err);
  return value;
}

FerryRun ferry(const std::string& args) {
  TempDir dir;
  const std::string out = dir.path() + "/out", err = dir.path() + "/err";
  const std::string command = ferry_binary() + " " + args + " >" + out + " 2>" + err;
  const int status = std::system(command.c_str());
  FerryRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = read_all(out);
  run.err = read_all(err);
  return run;
}

std::string ssh_args() {
  return "--ssh 'ssh -F " + ssh_config() + "' --remote-ferry " + ferry_binary();
}

std::string ssh_target(const fs::path& root) {
  return ssh_url() + root.string();
}

std::string current_of(const fs::path& root) {
  std::error_code ec;
  const fs::path target = fs::read_symlink(root / "current", ec);
  return ec ? std::string() : target.string();
}

std::uint64_t bytes_sent(const nlohmann::json& report) {
  std::uint64_t total = 0;
  for (const auto& n : report["nodes"])
    total += n.value("bytes_sent", std::uint64_t{0});
  return total;
}

}  // namespace ferry::test
