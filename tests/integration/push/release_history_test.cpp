// ferry release over the flip history: rollbacks that walk back, flips by name, dry runs that
// change nothing, the list's marks and new/shared bytes, `release current`, and node names
// from ferry.yaml in the reports. What is on the node is read with readlink, ls, find and
// awk, not with ferry's code.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "ferry/common/shell.hpp"
#include "push_support.hpp"
#include "test_env.hpp"

namespace ferry::test {
namespace {

// The standard output of a shell command.
std::string shell(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr)
    return out;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
    out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

std::string readlink_current(const fs::path& root) {
  std::string out = shell("readlink " + shell_quote((root / "current").string()));
  while (!out.empty() && out.back() == '\n')
    out.pop_back();
  return out;
}

// Everything a dry run must leave as it was: where `current` points, the releases and the
// node's state files with their sizes and times, and the history.
std::string node_state(const fs::path& root) {
  const std::string r = shell_quote(root.string());
  return shell("readlink " + r + "/current; ls -la --time-style=full-iso " + r + "/releases " + r +
               "/.ferry; cat " + r + "/.ferry/history");
}

// Pushes `tree` as `name` to the local node `root` and flips to it.
void push_flip(const fs::path& tree, const fs::path& root, const std::string& name) {
  const auto run = ferry("push " + tree.string() + " --to local:" + root.string() + " --release " +
                         name + " --flip");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
}

// Three releases of a small tree, each built from the one before with `cp -a` (so unchanged
// files keep their mtime and are hard-linked on the node), flipped in order.
struct ThreeReleases {
  TempDir work;
  fs::path node = fs::path(work.path()) / "node";
  fs::path v1 = fs::path(work.path()) / "v1", v2 = fs::path(work.path()) / "v2",
           v3 = fs::path(work.path()) / "v3";

  explicit ThreeReleases(const std::string& prefix = "") {
    fs::create_directories(v1 / "lib");
    write_random_file(v1 / "a.bin", 1000, 1);
    write_random_file(v1 / "lib/b.bin", 2000, 2);
    cp(v1, v2);
    write_random_file(v2 / "lib/b.bin", 2500, 3);
    write_random_file(v2 / "c.bin", 300, 4);
    cp(v2, v3);
    write_random_file(v3 / "c.bin", 400, 5);
    push_flip(v1, node, prefix + "v1");
    push_flip(v2, node, prefix + "v2");
    push_flip(v3, node, prefix + "v3");
  }

  static void cp(const fs::path& from, const fs::path& to) {
    fs::create_directories(to);
    ASSERT_EQ(std::system(("cp -a " + from.string() + "/. " + to.string()).c_str()), 0);
  }
};

TEST(ReleaseHistory, TwoRollbacksFromV3LandOnV1AndAFlipStartsANewTop) {
  ThreeReleases r;
  ASSERT_EQ(readlink_current(r.node), "releases/v3");
  const std::string on = " --on " + ssh_target(r.node) + " " + ssh_args();

  auto run = ferry("release rollback --json" + on);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.json()["nodes"][0]["from"], "v3");
  EXPECT_EQ(run.json()["nodes"][0]["current"], "v2");
  EXPECT_EQ(readlink_current(r.node), "releases/v2");

  run = ferry("release rollback" + on);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("current v2 -> v1"), std::string::npos) << run.out;
  EXPECT_EQ(readlink_current(r.node), "releases/v1");
  EXPECT_EQ(compare_trees(r.v1, r.node / "current"), "");

  // Nothing before v1 in the history, and no older release: a third rollback is refused.
  run = ferry("release rollback" + on);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE((run.out + run.err).find("nothing to roll back to"), std::string::npos)
      << run.out << run.err;
  EXPECT_EQ(readlink_current(r.node), "releases/v1");

  // A flip by name after the rollbacks: v3 goes on top of v1, so rollback returns to v1.
  run = ferry("release flip v3" + on);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(readlink_current(r.node), "releases/v3");
  run = ferry("release flip v2 --json" + on);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.json()["nodes"][0]["from"], "v3");
  EXPECT_EQ(readlink_current(r.node), "releases/v2");
  EXPECT_EQ(compare_trees(r.v2, r.node / "current"), "");
  run = ferry("release rollback" + on);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(readlink_current(r.node), "releases/v3");
  run = ferry("release rollback" + on);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(readlink_current(r.node), "releases/v1");

  // A release that does not exist is refused and `current` stays.
  run = ferry("release flip v9" + on);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_EQ(readlink_current(r.node), "releases/v1");
}

TEST(ReleaseHistory, RootsWithoutHistoryRollBackByAge) {
  ThreeReleases r;
  // As the old symlink scripts left a root: no history at all.
  fs::remove(r.node / ".ferry/history");
  const std::string on = " --on local:" + r.node.string();
  auto run = ferry("release rollback" + on);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(readlink_current(r.node), "releases/v2");
  run = ferry("release rollback" + on);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(readlink_current(r.node), "releases/v1");
}

TEST(ReleaseHistory, DryRunsOfFlipRollbackAndPurgeChangeNothing) {
  ThreeReleases r;
  const std::string on = " --on local:" + r.node.string();
  const std::string before = node_state(r.node);
  ASSERT_NE(before.find("releases/v3"), std::string::npos) << before;

  auto run = ferry("release flip v1 --dry-run --json" + on);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto report = run.json();
  EXPECT_TRUE(report["dry_run"].get<bool>());
  EXPECT_EQ(report["nodes"][0]["from"], "v3");
  EXPECT_EQ(report["nodes"][0]["current"], "v1");
  EXPECT_EQ(node_state(r.node), before);
  run = ferry("release flip v1 --dry-run" + on);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("would flip current v3 -> v1"), std::string::npos) << run.out;

  // A dry flip to what is not there fails as the flip would.
  run = ferry("release flip v9 --dry-run" + on);
  EXPECT_NE(run.exit_code, 0);

  run = ferry("release rollback --dry-run --json" + on);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  report = run.json();
  EXPECT_EQ(report["nodes"][0]["from"], "v3");
  EXPECT_EQ(report["nodes"][0]["current"], "v2");
  EXPECT_TRUE(report["nodes"][0]["dry_run"].get<bool>());
  EXPECT_EQ(node_state(r.node), before);
  run = ferry("release rollback --dry-run" + on);
  EXPECT_NE(run.out.find("would flip current v3 -> v2"), std::string::npos) << run.out;

  run = ferry("release purge --keep 1 --dry-run --json" + on);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.json()["nodes"][0]["removed"], nlohmann::json({"v1"}));
  run = ferry("release purge --keep 1 --dry-run" + on);
  EXPECT_NE(run.out.find("would remove v1"), std::string::npos) << run.out;
  EXPECT_EQ(node_state(r.node), before);
  EXPECT_EQ(readlink_current(r.node), "releases/v3");
}

using Bytes = std::pair<std::uint64_t, std::uint64_t>;  // new, shared

// New and shared bytes per release by find and awk: an inode met in an earlier release is
// shared, else new.
std::map<std::string, Bytes> du_by_inode(const fs::path& root,
                                         const std::vector<std::string>& releases) {
  std::string command = "cd " + shell_quote((root / "releases").string()) + " && (";
  for (const std::string& r : releases)
    command += "find " + r + " -type f -printf '" + r + " %i %s\\n'; ";
  command +=
      ") | awk '{ if (!($2 in first)) { first[$2] = $1; n[$1] += $3 } else if (first[$2] != $1) "
      "s[$1] += $3 } END { for (r in n) print r, n[r] + 0, s[r] + 0; for (r in s) if (!(r in n)) "
      "print r, 0, s[r] }'";
  std::istringstream in(shell(command));
  std::map<std::string, Bytes> out;
  std::string name;
  std::uint64_t fresh = 0, shared = 0;
  while (in >> name >> fresh >> shared)
    out[name] = {fresh, shared};
  return out;
}

TEST(ReleaseHistory, ListMarksCurrentAndPreviousWithNewAndSharedBytes) {
  const std::string prefix = "a-release-name-longer-than-thirty-characters-";
  ThreeReleases r(prefix);
  const std::string v1 = prefix + "v1", v2 = prefix + "v2", v3 = prefix + "v3";
  const std::string on = " --on local:" + r.node.string();
  auto run = ferry("release list --json" + on);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto releases = run.json()["nodes"][0]["releases"];
  ASSERT_EQ(releases.size(), 3u);
  const auto expected = du_by_inode(r.node, {v1, v2, v3});
  // What the trees say: v2 links a.bin from v1; v3 links a.bin and lib/b.bin.
  EXPECT_EQ(expected.at(v1), Bytes(3000, 0));
  EXPECT_EQ(expected.at(v2), Bytes(2800, 1000));
  EXPECT_EQ(expected.at(v3), Bytes(400, 3500));
  for (const auto& rel : releases) {
    const std::string name = rel["name"];
    EXPECT_EQ(rel["new_bytes"].get<std::uint64_t>(), expected.at(name).first) << name;
    EXPECT_EQ(rel["bytes"].get<std::uint64_t>(), expected.at(name).first) << name;
    EXPECT_EQ(rel["shared_bytes"].get<std::uint64_t>(), expected.at(name).second) << name;
    EXPECT_EQ(rel["current"].get<bool>(), name == v3) << name;
    EXPECT_EQ(rel["previous"].get<bool>(), name == v2) << name;
  }

  run = ferry("release list" + on);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  std::istringstream lines(run.out);
  std::string line;
  std::getline(lines, line);  // the node
  std::string header;
  std::getline(lines, header);
  EXPECT_NE(header.find("release"), std::string::npos) << run.out;
  EXPECT_NE(header.find("new"), std::string::npos) << run.out;
  EXPECT_NE(header.find("shared"), std::string::npos) << run.out;
  std::map<std::string, std::string> rows;
  while (std::getline(lines, line)) {
    for (const std::string& name : {v1, v2, v3}) {
      if (line.find(name + " ") != std::string::npos)
        rows[name] = line;
    }
  }
  ASSERT_EQ(rows.size(), 3u) << run.out;
  EXPECT_TRUE(rows[v3].ends_with("  current")) << run.out;
  EXPECT_TRUE(rows[v2].ends_with("  previous")) << run.out;
  EXPECT_EQ(rows[v1].size(), header.size()) << run.out;  // the columns line up
  EXPECT_EQ(rows[v3].size(), header.size() + std::string("  current").size()) << run.out;
  EXPECT_NE(rows[v1].find("2.9 KiB"), std::string::npos) << run.out;  // 3000 bytes new
}

TEST(ReleaseHistory, CurrentPrintsTheNameOfEachNode) {
  ThreeReleases r;
  auto run = ferry("release current --on local:" + r.node.string());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.out, "v3\n");
  run = ferry("release current --json --on local:" + r.node.string());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.json()["nodes"][0]["current"], "v3");
  EXPECT_EQ(run.json()["nodes"][0]["previous"], "v2");
  // Two nodes: one line each, named.
  const fs::path empty = fs::path(r.work.path()) / "empty";
  fs::create_directories(empty);
  run = ferry("release current --on local:" + r.node.string() + " local:" + empty.string());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  std::istringstream lines(run.out);
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_TRUE(first.starts_with("local:" + r.node.string() + ": ")) << run.out;
  EXPECT_TRUE(first.ends_with(" v3")) << run.out;
  EXPECT_TRUE(second.starts_with("local:" + empty.string() + ": ")) << run.out;
  EXPECT_TRUE(second.ends_with(" (none)")) << run.out;
  EXPECT_EQ(first.size(), second.size() - std::string("(none)").size() + 2) << run.out;
}

TEST(ReleaseHistory, ReportsNameNodesAsFerryYamlDoes) {
  TempDir work;
  const fs::path src = fs::path(work.path()) / "src";
  make_sample_tree(src);
  const fs::path a = fs::path(work.path()) / "a", b = fs::path(work.path()) / "b";
  const std::string long_name = "a-node-name-much-longer-than-the-old-forty-columns-web2";
  const fs::path yaml = fs::path(work.path()) / "ferry.yaml";
  std::ofstream(yaml) << "master: sqlite:m.db\ntenants:\n  - {name: t, url: 'sqlite:t.db'}\n"
                      << "nodes:\n  - name: web1\n    target: local:" << a.string()
                      << "\n    group: web\n  - name: " << long_name
                      << "\n    target: " << ssh_target(b) << "\n    group: web\n";
  const std::string c = "-c " + yaml.string() + " ";
  auto run =
      ferry(c + "push " + src.string() + " --to web --release r1 --flip --json " + ssh_args());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto report = run.json();
  ASSERT_EQ(report["nodes"].size(), 2u);
  EXPECT_EQ(report["nodes"][0]["node"], "web1");
  EXPECT_EQ(report["nodes"][0]["target"], "local:" + a.string());
  EXPECT_EQ(report["nodes"][1]["node"], long_name);

  write_text(src / "README", "the second release\n");
  run = ferry(c + "push " + src.string() + " --to web --release r2 --flip " + ssh_args());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("  web1 "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("  " + long_name + " flipped"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("local:" + a.string()), std::string::npos) << run.out;

  run = ferry(c + "release list --on web " + ssh_args());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("web1:\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find(long_name + ":\n"), std::string::npos) << run.out;
  run = ferry(c + "release rollback --on web --json " + ssh_args());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.json()["nodes"][0]["node"], "web1");
  EXPECT_EQ(run.json()["nodes"][1]["node"], long_name);
  run = ferry(c + "release current --on web1 " + ssh_args());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.out, "r1\n");
  // A target given as a URL is still shown as one.
  run = ferry(c + "release current --json --on local:" + a.string());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(run.json()["nodes"][0]["node"].is_null());
  EXPECT_EQ(run.json()["nodes"][0]["target"], "local:" + a.string());
}

}  // namespace
}  // namespace ferry::test
