// The gitignore matcher of pushes (ignore.hpp), after git's wildmatch.c and dir.c.
#include "ferry/transfer/ignore.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>

namespace ferry::transfer {
namespace {

bool in_named_class(std::string_view name, unsigned char c) {
  if (name == "alnum")
    return std::isalnum(c) != 0;
  if (name == "alpha")
    return std::isalpha(c) != 0;
  if (name == "blank")
    return c == ' ' || c == '\t';
  if (name == "cntrl")
    return std::iscntrl(c) != 0;
  if (name == "digit")
    return std::isdigit(c) != 0;
  if (name == "graph")
    return std::isgraph(c) != 0;
  if (name == "lower")
    return std::islower(c) != 0;
  if (name == "print")
    return std::isprint(c) != 0;
  if (name == "punct")
    return std::ispunct(c) != 0;
  if (name == "space")
    return std::isspace(c) != 0;
  if (name == "upper")
    return std::isupper(c) != 0;
  if (name == "xdigit")
    return std::isxdigit(c) != 0;
  return false;
}

// As wildmatch.c: besides yes and no, "abort all" when the text ran out (no later start of a
// '*' can match either) and "abort to **" when a '*' met a '/', which prunes the backtracking
// to polynomial time.
enum class Match { yes, no, abort_all, abort_to_starstar };

// The set "[...]" at p[i] against `c`: on success i is past its ']'; std::nullopt when the set
// is not closed.
std::optional<bool> match_set(std::string_view p, std::size_t& i, char c) {
  ++i;  // '['
  bool negated = false;
  if (i < p.size() && (p[i] == '!' || p[i] == '^')) {
    negated = true;
    ++i;
  }
  bool matched = false;
  bool first = true;
  char prev = 0;  // the last single character, the start of a range; 0 after a range or class
  while (true) {
    if (i >= p.size())
      return std::nullopt;
    char pc = p[i];
    if (pc == ']' && !first)
      break;
    first = false;
    if (pc == '\\') {
      if (++i >= p.size())
        return std::nullopt;
      pc = p[i];
      matched = matched || c == pc;
    } else if (pc == '-' && prev != 0 && i + 1 < p.size() && p[i + 1] != ']') {
      char hi = p[++i];
      if (hi == '\\') {
        if (++i >= p.size())
          return std::nullopt;
        hi = p[i];
      }
      matched = matched || (static_cast<unsigned char>(c) >= static_cast<unsigned char>(prev) &&
                            static_cast<unsigned char>(c) <= static_cast<unsigned char>(hi));
      pc = 0;
    } else if (pc == '[' && i + 1 < p.size() && p[i + 1] == ':') {
      const std::size_t end = p.find(":]", i + 2);
      if (end == std::string_view::npos) {
        matched = matched || c == '[';  // no class after all: a literal '['
      } else {
        const std::string_view name = p.substr(i + 2, end - i - 2);
        matched = matched || in_named_class(name, static_cast<unsigned char>(c));
        i = end + 1;
        pc = 0;
      }
    } else {
      matched = matched || c == pc;
    }
    prev = pc;
    ++i;
  }
  ++i;  // ']'
  return matched != negated && c != '/';
}

Match match_from(std::string_view p, std::size_t pi, std::string_view t, std::size_t ti) {
  for (; pi < p.size(); ++pi, ++ti) {
    const char pc = p[pi];
    if (ti == t.size() && pc != '*')
      return Match::abort_all;
    const char tc = ti < t.size() ? t[ti] : '\0';
    if (pc == '?') {
      if (tc == '/')
        return Match::no;
      continue;
    }
    if (pc == '[') {
      const std::optional<bool> in = match_set(p, pi, tc);
      if (!in)
        return Match::abort_all;
      if (!*in)
        return Match::no;
      --pi;  // the loop steps past the ']'
      continue;
    }
    if (pc != '*') {
      char literal = pc;
      if (pc == '\\') {
        if (++pi == p.size())
          return Match::no;
        literal = p[pi];
      }
      if (literal != tc)
        return Match::no;
      continue;
    }
    // '*': "**" as a whole path component may match '/', any other run of stars may not.
    std::size_t end = pi + 1;
    while (end < p.size() && p[end] == '*')
      ++end;
    bool across = false;
    if (end - pi >= 2 && (pi == 0 || p[pi - 1] == '/') && (end == p.size() || p[end] == '/')) {
      // "**/" matches zero directories too.
      if (end < p.size() && match_from(p, end + 1, t, ti) == Match::yes)
        return Match::yes;
      across = true;
    }
    if (end == p.size())
      return across || t.find('/', ti) == std::string_view::npos ? Match::yes : Match::no;
    if (!across && p[end] == '/') {
      // One '*' then '/': the rest of this directory's name.
      const std::size_t slash = t.find('/', ti);
      if (slash == std::string_view::npos)
        return Match::no;
      pi = end;
      ti = slash;
      continue;
    }
    for (std::size_t k = ti; k < t.size(); ++k) {
      const Match m = match_from(p, end, t, k);
      if (m != Match::no) {
        if (!across || m != Match::abort_to_starstar)
          return m;
      } else if (!across && t[k] == '/') {
        return Match::abort_to_starstar;
      }
    }
    return Match::abort_all;
  }
  return ti == t.size() ? Match::yes : Match::no;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  return match_from(pattern, 0, text, 0) == Match::yes;
}

std::optional<IgnorePattern> parse_ignore_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  // Trailing spaces go, unless the last of them is quoted by an odd number of backslashes.
  while (!line.empty() && line.back() == ' ') {
    std::size_t backslashes = 0;
    while (backslashes + 1 < line.size() && line[line.size() - 2 - backslashes] == '\\')
      ++backslashes;
    if (backslashes % 2 == 1)
      break;
    line.remove_suffix(1);
  }
  if (line.empty() || line.front() == '#')
    return std::nullopt;
  IgnorePattern out;
  if (line.front() == '!') {
    out.negated = true;
    line.remove_prefix(1);
  }
  if (!line.empty() && line.back() == '/') {
    out.directories_only = true;
    line.remove_suffix(1);
  }
  if (line.empty())
    return std::nullopt;
  out.anchored = line.find('/') != std::string_view::npos;
  if (line.front() == '/')
    line.remove_prefix(1);
  if (line.empty())
    return std::nullopt;
  out.glob = std::string(line);
  return out;
}

void IgnoreRules::add_file(const std::string& dir, std::string_view text) {
  std::vector<Rule>& rules = m_dirs[dir];
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    if (end == std::string_view::npos)
      end = text.size();
    if (auto pattern = parse_ignore_line(text.substr(0, end)))
      rules.push_back(Rule{std::move(*pattern), dir});
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  if (rules.empty())
    m_dirs.erase(dir);
}

void IgnoreRules::add_exclude(std::string_view pattern) {
  if (auto parsed = parse_ignore_line(pattern))
    m_excludes.push_back(Rule{std::move(*parsed), std::string()});
}

std::optional<bool> IgnoreRules::decide(const std::vector<Rule>& rules, std::string_view path,
                                        bool is_directory) {
  for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
    const IgnorePattern& p = it->pattern;
    if (p.directories_only && !is_directory)
      continue;
    std::string_view below = path;
    if (!it->dir.empty()) {
      if (path.size() <= it->dir.size() || !path.starts_with(it->dir) ||
          path[it->dir.size()] != '/')
        continue;
      below.remove_prefix(it->dir.size() + 1);
    }
    if (!p.anchored) {
      const std::size_t slash = below.rfind('/');
      if (slash != std::string_view::npos)
        below.remove_prefix(slash + 1);
    }
    if (glob_match(p.glob, below))
      return !p.negated;
  }
  return std::nullopt;
}

bool IgnoreRules::excluded(std::string_view path, bool is_directory) const {
  if (const auto d = decide(m_excludes, path, is_directory))
    return *d;
  // The ignore files of the entry's directory and its parents, deepest first.
  std::string_view dir = path;
  while (!dir.empty()) {
    const std::size_t slash = dir.rfind('/');
    dir = slash == std::string_view::npos ? std::string_view() : dir.substr(0, slash);
    const auto it = m_dirs.find(dir);
    if (it == m_dirs.end())
      continue;
    if (const auto d = decide(it->second, path, is_directory))
      return *d;
  }
  return false;
}

}  // namespace ferry::transfer
