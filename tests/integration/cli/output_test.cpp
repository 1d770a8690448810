// What ferry prints: JSON log lines (--log-format json), colour only on a terminal and never
// with NO_COLOR or --no-color, the live view of a push and of a sync on a pseudo-terminal
// (script(1)) with the report's columns aligned under it, and -q: nothing on stderr for a
// run that worked, an error said once.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "test_env.hpp"

namespace ferry {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string quoted(const std::string& word) {
  std::string out = "'";
  for (const char c : word)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

struct Streams {
  int exit_code = -1;
  std::string out, err;
};

// A shell command whose stdout and stderr are kept apart.
Streams run_shell(const std::string& command, const fs::path& dir) {
  const fs::path out = dir / "stdout", err = dir / "stderr";
  const std::string line =
      "(" + command + ") >" + quoted(out.string()) + " 2>" + quoted(err.string());
  const int status = std::system(line.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out), read_file(err)};
}

// ferry run on a pseudo-terminal by script(1): what the terminal received, stdout and
// stderr together. `env` goes before the command (NO_COLOR=1).
Streams run_on_terminal(const std::string& args, const fs::path& dir, const std::string& env = "") {
  const std::string inner =
      env + " TERM=xterm COLUMNS=120 LINES=40 " + quoted(test::ferry_binary()) + " " + args;
  return run_shell("script -qefc " + quoted(inner) + " /dev/null", dir);
}

std::string without_escapes(const std::string& text) {
  std::string out = std::regex_replace(text, std::regex("\x1b\\[[0-9;?]*[A-Za-z]"), std::string());
  std::erase(out, '\r');
  return out;
}

class Output : public ::testing::Test {
 protected:
  void SetUp() override {
    m_demo = fs::path(m_dir.path()) / "demo";
    const auto out = test::run_ferry("demo " + quoted(m_demo.string()));
    ASSERT_EQ(out.exit_code, 0) << out.output;
    m_config = quoted((m_demo / "ferry.yaml").string());
  }

  // A tree of a few files to push.
  fs::path make_tree() {
    const fs::path tree = fs::path(m_dir.path()) / "tree";
    fs::create_directories(tree / "lib");
    for (int i = 0; i < 8; ++i) {
      std::ofstream file(tree / "lib" / ("file" + std::to_string(i)), std::ios::binary);
      std::string block(1 << 20, '\0');
      for (std::size_t j = 0; j < block.size(); ++j)
        block[j] = static_cast<char>((j * 2654435761u + static_cast<unsigned>(i)) >> 13);
      file << block;
    }
    std::ofstream(tree / "index.html") << "<p>hello</p>\n";
    return tree;
  }

  test::TempDir m_dir;
  fs::path m_demo;
  std::string m_config;
};

TEST_F(Output, JsonLogLinesParseAndNameTheTenant) {
  // Drift, so that the sync has work to log.
  ASSERT_EQ(std::system(("sqlite3 " + quoted((m_demo / "tst.db").string()) +
                         " \"UPDATE currencies SET name = 'Euro?' WHERE code = 'EUR'\"")
                            .c_str()),
            0);
  const Streams r = run_shell(
      quoted(test::ferry_binary()) + " -v --log-format json -c " + m_config + " sync --mode full",
      m_dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const auto lines = lines_of(r.err);
  ASSERT_FALSE(lines.empty());
  std::size_t with_tenant = 0;
  const std::regex time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  for (const std::string& line : lines) {
    nlohmann::json doc;
    ASSERT_NO_THROW(doc = nlohmann::json::parse(line)) << line;
    ASSERT_TRUE(doc.is_object()) << line;
    EXPECT_TRUE(doc["level"].is_string()) << line;
    EXPECT_TRUE(doc["msg"].is_string()) << line;
    ASSERT_TRUE(doc["time"].is_string()) << line;
    EXPECT_TRUE(std::regex_match(doc["time"].get<std::string>(), time)) << line;
    if (doc.contains("tenant")) {
      ++with_tenant;
      const std::string tenant = doc["tenant"];
      // A line about a tenant of the fleet names it (by its ferry.yaml name where the
      // fleet's own lines speak, else by its masked URL).
      EXPECT_TRUE(tenant == "tst" || tenant == "acc" || tenant == "prd" ||
                  contains(tenant, "sqlite:"))
          << line;
    }
    if (doc["msg"].get<std::string>().starts_with("tst: ")) {
      EXPECT_EQ(doc.value("tenant", ""), "tst") << line;
    }
    if (contains(doc["msg"].get<std::string>(), ": table ")) {
      EXPECT_TRUE(doc.contains("table")) << line;
    }
  }
  EXPECT_GE(with_tenant, 3u) << r.err;
  // The report on stdout is unchanged: a human table here, no JSON.
  EXPECT_TRUE(contains(r.out, "tenant")) << r.out;

  // An error, also one of the command line itself, is a JSON line too.
  const Streams bad = run_shell(
      quoted(test::ferry_binary()) + " --log-format json inspect 'nosuch://x'", m_dir.path());
  EXPECT_EQ(bad.exit_code, 2);
  const auto bad_lines = lines_of(bad.err);
  ASSERT_EQ(bad_lines.size(), 1u) << bad.err;
  const auto doc = nlohmann::json::parse(bad_lines[0]);
  EXPECT_EQ(doc["level"], "error");
}

TEST_F(Output, NoColorRemovesEveryEscapeEvenOnATerminal) {
  const std::string sync = "-c " + m_config + " sync --mode full";
  const Streams coloured = run_on_terminal(sync, m_dir.path());
  ASSERT_EQ(coloured.exit_code, 0) << coloured.out << coloured.err;
  EXPECT_TRUE(contains(coloured.out, "\x1b[")) << coloured.out;

  for (const auto& [env, flag] : {std::pair<std::string, std::string>{"NO_COLOR=1", ""},
                                  std::pair<std::string, std::string>{"", "--no-color "}}) {
    const Streams plain = run_on_terminal(flag + sync, m_dir.path(), env);
    ASSERT_EQ(plain.exit_code, 0) << plain.out << plain.err;
    EXPECT_FALSE(contains(plain.out + plain.err, "\x1b")) << env << flag << plain.out;
    EXPECT_TRUE(contains(plain.out, "tenant")) << plain.out;
    // An error's prefix too.
    const Streams error = run_on_terminal(flag + "inspect 'nosuch://x'", m_dir.path(), env);
    EXPECT_EQ(error.exit_code, 2) << error.out;
    EXPECT_TRUE(contains(error.out, "ferry: error: ")) << error.out;
    EXPECT_FALSE(contains(error.out + error.err, "\x1b")) << error.out;
  }
  const Streams error = run_on_terminal("inspect 'nosuch://x'", m_dir.path());
  EXPECT_TRUE(contains(error.out, "\x1b[")) << error.out;
}

// The report's header and rows: every column of the header starts where the rows' values
// of a left-aligned column start, or ends where a right-aligned one ends.
void expect_aligned(const std::vector<std::string>& header_and_rows) {
  ASSERT_GE(header_and_rows.size(), 2u);
  const std::string& header = header_and_rows[0];
  std::vector<std::pair<std::size_t, std::size_t>> columns;  // start, end of each header word
  for (std::size_t i = 0; i < header.size();) {
    if (header[i] == ' ') {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < header.size() &&
           !(header[end] == ' ' && end + 1 < header.size() && header[end + 1] == ' '))
      ++end;
    columns.emplace_back(i, end);
    i = end;
  }
  for (std::size_t r = 1; r < header_and_rows.size(); ++r) {
    const std::string& row = header_and_rows[r];
    for (const auto& [start, end] : columns) {
      const bool left =
          start < row.size() && row[start] != ' ' && (start == 0 || row[start - 1] == ' ');
      const bool right = end <= row.size() && end > 0 && row[end - 1] != ' ' &&
                         (end == row.size() || row[end] == ' ');
      EXPECT_TRUE(left || right) << "column at " << start << " of\n" << header << '\n' << row;
    }
  }
}

TEST_F(Output, LiveViewOfASyncOnATerminal) {
  // A long tenant name: the view's rows and the report's columns widen for it.
  const std::string long_name = "production-eu-west-1-a-customer-with-a-long-name";
  {
    std::string yaml = read_file(m_demo / "ferry.yaml");
    const std::string prd = "  - name: prd\n";
    ASSERT_NE(yaml.find(prd), std::string::npos) << yaml;
    yaml.replace(
        yaml.find(prd), prd.size(),
        "  - name: " + long_name + "\n    url: sqlite:long.db\n    group: production\n" + prd);
    std::ofstream(m_demo / "ferry.yaml") << yaml;
    fs::copy_file(m_demo / "prd.db", m_demo / "long.db");
  }
  const Streams r = run_on_terminal("-c " + m_config + " sync --mode full", m_dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "\x1b[J")) << r.out;  // frames drawn in place
  const std::string text = without_escapes(r.out);
  for (const char* tenant : {"tst", "acc", "prd"}) {
    const std::regex row(std::string("(^|\n)") + tenant + " +(done|in sync)");
    EXPECT_TRUE(std::regex_search(text, row)) << tenant << '\n' << text;
  }
  // The report after the view.
  const auto lines = lines_of(text);
  const auto header = std::find_if(lines.begin(), lines.end(),
                                   [](const std::string& l) { return l.starts_with("tenant "); });
  ASSERT_NE(header, lines.end()) << text;
  ASSERT_GE(lines.end() - header, 5) << text;
  const std::vector<std::string> table(header, header + 5);
  expect_aligned(table);
  EXPECT_TRUE(std::any_of(table.begin(), table.end(), [&](const std::string& l) {
    return l.starts_with(long_name + " ");
  })) << text;
}

TEST_F(Output, LiveViewOfAPushOnATerminal) {
  const fs::path tree = make_tree();
  const fs::path nodes = fs::path(m_dir.path()) / "nodes";
  const std::string n1 = "local:" + (nodes / "node1").string();
  const std::string n2 = "local:" + (nodes / "node2").string();
  const Streams r = run_on_terminal("push " + quoted(tree.string()) + " --to " + quoted(n1) + " " +
                                        quoted(n2) + " --release r1 --no-scan-cache",
                                    m_dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "\x1b[J")) << r.out;
  const std::string text = without_escapes(r.out);
  EXPECT_TRUE(std::regex_search(text, std::regex("(^|\n)scan +scanned"))) << text;
  for (const char* node : {"node1", "node2"}) {
    EXPECT_TRUE(std::regex_search(text, std::regex(std::string("/") + node + " +staged"))) << text;
  }
  EXPECT_TRUE(contains(text, "2/3 finished") || contains(text, "3/3 finished")) << text;
}

TEST_F(Output, QuietPrintsNothingOnSuccessAndAnErrorOnce) {
  const Streams ok = run_shell(
      quoted(test::ferry_binary()) + " -q -c " + m_config + " sync --mode full", m_dir.path());
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.err, "");
  // Even on a terminal: no view, no info lines.
  const Streams tty =
      run_on_terminal("-q -c " + m_config + " sync --mode full --json", m_dir.path());
  EXPECT_EQ(tty.exit_code, 0) << tty.out;
  EXPECT_FALSE(contains(tty.out, "\x1b")) << tty.out;
  EXPECT_FALSE(contains(tty.out, "ferry: ")) << tty.out;

  // Failures of the whole command and of one tenant: each said once, with one prefix for a
  // command's error.
  const fs::path missing = fs::path(m_dir.path()) / "missing";
  {
    std::string yaml = read_file(m_demo / "ferry.yaml");
    const std::string acc = "url: sqlite:acc.db";
    ASSERT_NE(yaml.find(acc), std::string::npos) << yaml;
    yaml.replace(yaml.find(acc), acc.size(), "url: sqlite:missing/acc.db");
    std::ofstream(m_demo / "broken.yaml") << yaml;
  }
  const std::string broken = quoted((m_demo / "broken.yaml").string());
  const std::vector<std::pair<std::string, std::string>> failing = {
      {"-c " + broken + " sync --mode full", "does not exist"},
      {"inspect 'postgres://app:secret@127.0.0.1:1/shop?connect_timeout=2'", "cannot connect"},
      {"inspect 'nosuch://x'", "unknown scheme"},
      {"data diff --from master --to " + quoted("sqlite:" + missing.string() + "/t.db") +
           " --tables currencies -c " + m_config,
       "does not exist"},
      {"data diff --from master --to tst --tables no_such_table -c " + m_config, "no_such_table"},
      {"push " + quoted(missing.string()) + " --to " +
           quoted("local:" + (fs::path(m_dir.path()) / "n").string()) + " --release r1",
       "not a directory"},
      {"snapshot restore nothing --store " + quoted(missing.string()) + " --to " +
           quoted("sqlite:" + (fs::path(m_dir.path()) / "copy.db").string() + "?mode=rwc"),
       "no snapshot"},
  };
  for (const auto& [args, needle] : failing) {
    for (const std::string& quiet : {std::string("-q "), std::string()}) {
      const Streams r = run_shell(quoted(test::ferry_binary()) + " " + quiet + args, m_dir.path());
      EXPECT_NE(r.exit_code, 0) << args;
      const std::string all = r.err + r.out;
      std::size_t said = 0, prefixes = 0;
      for (const std::string& line : lines_of(all)) {
        said += contains(line, needle) ? 1 : 0;
        prefixes += line.starts_with("ferry: error: ") ? 1 : 0;
      }
      EXPECT_EQ(said, 1u) << quiet << args << "\nstderr:\n" << r.err << "stdout:\n" << r.out;
      EXPECT_LE(prefixes, 1u) << quiet << args << '\n' << all;
      EXPECT_FALSE(contains(all, "ferry: error: ferry: error")) << all;
      EXPECT_FALSE(contains(all, "secret")) << args;
      if (!quiet.empty()) {
        EXPECT_LE(lines_of(r.err).size(), 1u) << args << '\n' << r.err;
      }
    }
  }
}

}  // namespace
}  // namespace ferry
