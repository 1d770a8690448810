// The gitignore rules of pushes (ignore.hpp): a table of trees, ignore files and --exclude
// patterns with the files a scan must keep, each checked against scan_tree() and, where git is
// installed, against `git ls-files --others --exclude-per-directory=.ferryignore -x PATTERN`
// on the same tree: git's own reading of the same rules, as an independent check.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ferry/common/shell.hpp"
#include "ferry/transfer/ignore.hpp"
#include "ferry/transfer/manifest.hpp"
#include "test_env.hpp"

namespace ferry::transfer {
namespace {

namespace fs = std::filesystem;

struct Case {
  const char* name;
  std::vector<std::string> tree;  // paths to create; a trailing '/' makes a directory
  // Ignore files: "DIR:" + text, DIR empty for the root.
  std::vector<std::string> ignore_files;
  std::vector<std::string> excludes;  // --exclude
  std::set<std::string> kept;         // the files (not directories) a scan keeps
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"CommentsBlankLinesAndNegation",
       {"a.log", "keep.log", "sub/b.log", "sub/keep.log", "readme", "#notes"},
       {":# a comment\n\n*.log\n!keep.log\n"},
       {},
       {".ferryignore", "keep.log", "sub/keep.log", "readme", "#notes"}},
      {"TrailingSlashMatchesDirectoriesOnly",
       {"build/x.o", "build/y/z.o", "sub/build", "sub/build2/k", "other/build/q"},
       {":build/\n"},
       {},
       {".ferryignore", "sub/build", "sub/build2/k"}},
      {"LeadingSlashAnchors",
       {"top.txt", "sub/top.txt", "dir/x", "sub/dir/x"},
       {":/top.txt\n/dir\n"},
       {},
       {".ferryignore", "sub/top.txt", "sub/dir/x"}},
      {"MiddleSlashAnchorsToo",
       {"doc/a.txt", "doc/b.md", "doc/x/c.txt", "sub/doc/a.txt"},
       {":doc/*.txt\n"},
       {},
       {".ferryignore", "doc/b.md", "doc/x/c.txt", "sub/doc/a.txt"}},
      {"NoSlashMatchesAtAnyDepth",
       {"cache", "a/cache/f", "a/b/cache/g", "a/b/cached"},
       {":cache\n"},
       {},
       {".ferryignore", "a/b/cached"}},
      {"LeadingDoubleStar",
       {"tmp/a", "x/tmp/b", "x/y/tmp/c", "x/tmpx"},
       {":**/tmp\n"},
       {},
       {".ferryignore", "x/tmpx"}},
      {"TrailingDoubleStar",
       {"logs/a", "logs/x/b", "logs2/c", "sub/logs/d"},
       {":logs/**\n"},
       {},
       {".ferryignore", "logs2/c", "sub/logs/d"}},
      {"MiddleDoubleStar",
       {"a/z", "a/b/z", "a/b/c/z", "a/b/c/y", "b/a/z"},
       {":a/**/z\n"},
       {},
       {".ferryignore", "a/b/c/y", "b/a/z"}},
      {"DoubleStarElsewhereIsOneStar",
       {"abc", "a/bc", "axxc"},
       {":a**c\n"},
       {},
       {".ferryignore", "a/bc"}},
      {"QuestionMarkAndSets",
       {"file1.c", "file12.c", "a.o", "d.o", "x.p", "y.p", "7z.tmp", "z7.tmp", "]x", "-y"},
       {":file?.c\n[abc].o\n[!x].p\n[0-9]*.tmp\n[]]x\n[a-]y\n"},
       {},
       {".ferryignore", "file12.c", "d.o", "x.p", "z7.tmp"}},
      {"NamedClasses",
       {"a1", "ab", "B2"},
       {":[[:alpha:]][[:digit:]]\n"},
       {},
       {".ferryignore", "ab"}},
      {"EscapedHashAndBang",
       {"#hash", "!bang", "bang", "plain"},
       {":\\#hash\n\\!bang\n"},
       {},
       {".ferryignore", "bang", "plain"}},
      {"TrailingSpacesAreDroppedUnlessEscaped",
       {"spaced", "tail ", "tail"},
       {":spaced   \ntail\\ \n"},
       {},
       {".ferryignore", "tail"}},
      {"AFileInAnExcludedDirectoryCannotBeIncludedAgain",
       {"dir/keep", "dir/other", "lib/keep.so", "lib/x.so"},
       {":dir/\n!dir/keep\nlib/*\n!lib/keep.so\n"},
       {},
       {".ferryignore", "lib/keep.so"}},
      {"DeeperIgnoreFilesWin",
       {"a.dat", "sub/a.dat", "sub/important.dat", "sub/x.tmp", "sub/deep/only-here",
        "sub/only-here", "only-here"},
       {":*.dat\n", "sub:!important.dat\n*.tmp\n/only-here\n"},
       {},
       {".ferryignore", "sub/.ferryignore", "sub/important.dat", "sub/deep/only-here",
        "only-here"}},
      {"IgnoreFilesCanExcludeThemselves",
       {"x", "sub/y"},
       {":.ferryignore\n", "sub:/.ferryignore\n"},
       {},
       {"x", "sub/y"}},
      {"ExcludesWinOverIgnoreFiles",
       {"a.bin", "keep.bin", "vendor/lib/x", "vendorx", "src/main.c", "src/gen.c"},
       {":!keep.bin\n"},
       {"*.bin", "vendor/", "src/gen.c"},
       {".ferryignore", "vendorx", "src/main.c"}},
      {"ExcludesCanNegateIgnoreFiles",
       {"a.log", "keep.log"},
       {":*.log\n"},
       {"!keep.log"},
       {".ferryignore", "keep.log"}},
  };
  return all;
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

void build(const Case& c, const fs::path& root) {
  fs::create_directories(root);
  for (const std::string& p : c.tree) {
    if (p.ends_with('/'))
      fs::create_directories(root / p);
    else
      write(root / p, "content of " + p + "\n");
  }
  for (const std::string& f : c.ignore_files) {
    const std::size_t colon = f.find(':');
    write(root / f.substr(0, colon) / ignore_file_name, f.substr(colon + 1));
  }
}

std::set<std::string> scanned_files(const Case& c, const fs::path& root) {
  ScanOptions options;
  options.exclude = c.excludes;
  std::set<std::string> files;
  for (const Entry& e : scan_tree(root, options).entries) {
    if (e.type != EntryType::directory)
      files.insert(e.path);
  }
  return files;
}

bool have_git() {
  return std::system("git --version >/dev/null 2>&1") == 0;
}

// The untracked files git does not ignore by the same rules.
std::set<std::string> git_files(const Case& c, const fs::path& root, const fs::path& out) {
  std::string command = "cd " + shell_quote(root.string()) +
                        " && git init -q . && git ls-files -z --others "
                        "--exclude-per-directory=.ferryignore";
  for (const std::string& x : c.excludes)
    command += " -x " + shell_quote(x);
  command += " > " + shell_quote(out.string()) + " && rm -rf .git";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream in(out, std::ios::binary);
  std::set<std::string> files;
  std::string path;
  while (std::getline(in, path, '\0'))
    files.insert(path);
  return files;
}

class IgnoreTable : public ::testing::TestWithParam<std::size_t> {};

TEST_P(IgnoreTable, ScanKeepsWhatGitKeeps) {
  const Case& c = cases()[GetParam()];
  test::TempDir tmp;
  const fs::path root = fs::path(tmp.path()) / "tree";
  build(c, root);
  EXPECT_EQ(scanned_files(c, root), c.kept) << c.name;
  ASSERT_TRUE(have_git()) << "git is not installed (scripts/install-deps installs it): the "
                             "independent check of the ignore rules needs it";
  EXPECT_EQ(git_files(c, root, fs::path(tmp.path()) / "git-out"), c.kept) << c.name;
}

INSTANTIATE_TEST_SUITE_P(Cases, IgnoreTable, ::testing::Range(std::size_t{0}, cases().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& info) {
                           return std::string(cases()[info.param].name);
                         });

TEST(Ignore, ParsesLinesAsGitDoes) {
  EXPECT_FALSE(parse_ignore_line(""));
  EXPECT_FALSE(parse_ignore_line("   "));
  EXPECT_FALSE(parse_ignore_line("# comment"));
  EXPECT_FALSE(parse_ignore_line("!"));
  EXPECT_FALSE(parse_ignore_line("/"));
  auto p = parse_ignore_line("!/build/\r");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->negated);
  EXPECT_TRUE(p->directories_only);
  EXPECT_TRUE(p->anchored);
  EXPECT_EQ(p->glob, "build");
  p = parse_ignore_line("*.o");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->anchored || p->negated || p->directories_only);
  p = parse_ignore_line("\\#x");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->glob, "\\#x");
}

TEST(Ignore, GlobsMatchLikeWildmatchWithPathnames) {
  EXPECT_TRUE(glob_match("*.c", "a.c"));
  EXPECT_FALSE(glob_match("*.c", "d/a.c"));
  EXPECT_TRUE(glob_match("**/a.c", "d/e/a.c"));
  EXPECT_TRUE(glob_match("**/a.c", "a.c"));
  EXPECT_TRUE(glob_match("d/**", "d/e/a.c"));
  EXPECT_FALSE(glob_match("d/**", "d"));
  EXPECT_TRUE(glob_match("d/**/a.c", "d/a.c"));
  EXPECT_TRUE(glob_match("d/**/a.c", "d/x/y/a.c"));
  EXPECT_FALSE(glob_match("d/**/a.c", "dx/a.c"));
  EXPECT_TRUE(glob_match("[a-c]?", "bz"));
  EXPECT_FALSE(glob_match("[a-c]?", "b/"));
  EXPECT_FALSE(glob_match("[abc", "a"));  // an unclosed set matches nothing
  EXPECT_TRUE(glob_match("\\*", "*"));
  EXPECT_FALSE(glob_match("\\*", "x"));
  // Patterns that would take exponential time with naive backtracking still finish.
  EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*a*b", std::string(200, 'a')));
}

TEST(Ignore, ExcludedDirectoriesAreCountedAndNotDescendedInto) {
  test::TempDir tmp;
  const fs::path root = fs::path(tmp.path()) / "tree";
  write(root / "node_modules/a/b/c", "x");
  write(root / "node_modules/d", "x");
  write(root / "x.log", "x");
  write(root / "app", "x");
  write(root / ignore_file_name, "node_modules/\n*.log\n");
  ScanOptions options;
  ScanProgress progress;
  const Manifest m = scan_tree(root, options, &progress);
  EXPECT_EQ(progress.excluded.load(), 2u);
  EXPECT_EQ(m.entries.size(), 2u);  // .ferryignore and app
  options.ignore_files = false;
  EXPECT_EQ(scan_tree(root, options).entries.size(), 8u);
}

}  // namespace
}  // namespace ferry::transfer
