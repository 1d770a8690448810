// What a push leaves out: `--exclude PATTERN` and the `.ferryignore` files of the pushed tree,
// both in gitignore syntax (docs/push.md, "Ignore rules"). scan_tree() asks excluded() of each
// entry as it walks; an excluded directory is not descended into.
//
// One line of an ignore file is one pattern, as git reads .gitignore:
//   - blank lines and lines starting with '#' are nothing; "\#" and "\!" start a literal '#'
//     or '!'; trailing spaces are dropped unless escaped with '\';
//   - a leading '!' negates: a path it matches is included again (unless a parent directory
//     of it is excluded: an excluded directory is never looked into);
//   - a trailing '/' matches directories only;
//   - a pattern with a '/' at its start or in its middle is relative to the directory of its
//     ignore file (a leading '/' just anchors it there); one without matches a name at any
//     depth beneath that directory;
//   - '*' matches anything but '/', '?' one character but '/', "[...]" one character of a set
//     ("[!...]" or "[^...]" of its complement, ranges "a-z", classes "[:digit:]"), '\' quotes
//     the next character; "**/" at the start matches in all directories, "/**" at the end
//     matches everything inside, "/**/" in the middle matches zero or more directories; any
//     other "**" is a '*'.
// The last pattern that matches a path decides, patterns of deeper ignore files coming after
// those of shallower ones, and the --exclude patterns after all of them (so they win).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::transfer {

// The name of the ignore files a push reads in every directory of the tree. They are pushed
// like any other file, unless a pattern excludes them, as git keeps .gitignore.
inline constexpr std::string_view ignore_file_name = ".ferryignore";

struct IgnorePattern {
  std::string glob;  // without '!', the trailing '/' and a leading '/'
  bool negated = false;
  bool directories_only = false;
  bool anchored = false;  // matched against the path below the ignore file's directory
};

// One line of an ignore file; std::nullopt for blank lines and comments.
std::optional<IgnorePattern> parse_ignore_line(std::string_view line);

// Whether `text` matches the glob `pattern` as git's wildmatch does with WM_PATHNAME: '*', '?'
// and sets never match '/', "**" between slashes matches any number of directories.
bool glob_match(std::string_view pattern, std::string_view text);

class IgnoreRules {
 public:
  // The text of the ignore file in the directory `dir` of the tree ("" for its root, else a
  // relative '/'-separated path without a trailing '/'). Files are added parents first.
  void add_file(const std::string& dir, std::string_view text);
  // A pattern relative to the tree's root that comes after every ignore file (--exclude).
  void add_exclude(std::string_view pattern);

  bool empty() const { return m_dirs.empty() && m_excludes.empty(); }

  // Whether the entry at `path` (relative to the root; a directory when `is_directory`) is
  // excluded, its parent directories being not.
  bool excluded(std::string_view path, bool is_directory) const;

 private:
  struct Rule {
    IgnorePattern pattern;
    std::string dir;  // the ignore file's directory; "" for the root
  };

  // nullopt: no rule of `rules` matches; else whether the last one that does excludes.
  static std::optional<bool> decide(const std::vector<Rule>& rules, std::string_view path,
                                    bool is_directory);

  std::map<std::string, std::vector<Rule>, std::less<>> m_dirs;  // by the file's directory
  std::vector<Rule> m_excludes;
};

}  // namespace ferry::transfer
