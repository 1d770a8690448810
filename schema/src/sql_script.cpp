#include "ferry/schema/sql_script.hpp"

#include <cctype>

#include "ferry/common/error.hpp"
#include "ferry/common/text.hpp"

namespace ferry::schema {
namespace {

bool is_word_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
}
bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$';
}

class Splitter {
 public:
  Splitter(std::string_view script, Dialect dialect) : m_s(script), m_dialect(dialect) {}

  std::vector<ScriptStatement> run() {
    while (m_i < m_s.size()) {
      if (m_dialect == Dialect::mysql && at_line_start() && delimiter_command())
        continue;
      if (!m_delimiter.empty() && m_s.compare(m_i, m_delimiter.size(), m_delimiter) == 0 &&
          (m_delimiter != ";" || m_depth <= 0)) {
        end_statement(m_i);
        m_i += m_delimiter.size();
        m_start = m_i;
        continue;
      }
      step();
    }
    end_statement(m_s.size());
    return std::move(m_out);
  }

 private:
  // One token: a comment, a quoted run, a word, or one character.
  void step() {
    const char c = m_s[m_i];
    const char next = m_i + 1 < m_s.size() ? m_s[m_i + 1] : '\0';
    if (c == '-' && next == '-' &&
        (m_dialect != Dialect::mysql || m_i + 2 >= m_s.size() ||
         std::isspace(static_cast<unsigned char>(m_s[m_i + 2])) != 0)) {
      skip_to_line_end();
      return;
    }
    if (c == '#' && m_dialect == Dialect::mysql) {
      skip_to_line_end();
      return;
    }
    if (c == '/' && next == '*') {
      block_comment();
      return;
    }
    if (c == '\n') {
      ++m_line;
      ++m_i;
      return;
    }
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      ++m_i;
      return;
    }
    code_seen();
    if (c == '\'') {
      const bool escapes =
          m_dialect == Dialect::mysql || (m_dialect == Dialect::postgres && m_i > 0 &&
                                          (m_s[m_i - 1] == 'E' || m_s[m_i - 1] == 'e') &&
                                          (m_i < 2 || !is_word_char(m_s[m_i - 2])));
      quoted('\'', escapes);
      return;
    }
    if (c == '"') {
      quoted('"', m_dialect == Dialect::mysql);
      return;
    }
    if (c == '`' && m_dialect != Dialect::postgres) {
      quoted('`', false);
      return;
    }
    if (c == '[' && m_dialect == Dialect::sqlite) {
      quoted_until(']');
      return;
    }
    if (c == '$' && m_dialect == Dialect::postgres && dollar_quote())
      return;
    if (is_word_start(c) && (m_i == 0 || !is_word_char(m_s[m_i - 1]))) {
      std::size_t end = m_i;
      while (end < m_s.size() && is_word_char(m_s[end]))
        ++end;
      word(ascii_upper(m_s.substr(m_i, end - m_i)));
      m_i = end;
      return;
    }
    m_after_end = false;
    ++m_i;
  }

  bool at_line_start() const {
    std::size_t j = m_i;
    while (j > 0 && (m_s[j - 1] == ' ' || m_s[j - 1] == '\t'))
      --j;
    return j == 0 || m_s[j - 1] == '\n';
  }

  // `DELIMITER X` on a line of its own (mysql client syntax).
  bool delimiter_command() {
    std::size_t j = m_i;
    while (j < m_s.size() && (m_s[j] == ' ' || m_s[j] == '\t'))
      ++j;
    if (ascii_upper(m_s.substr(j, 10)) != "DELIMITER " &&
        ascii_upper(m_s.substr(j, 10)) != "DELIMITER\t")
      return false;
    end_statement(m_i);
    j += 10;
    std::size_t eol = m_s.find('\n', j);
    if (eol == std::string_view::npos)
      eol = m_s.size();
    const std::string delimiter(trim(m_s.substr(j, eol - j)));
    if (delimiter.empty() || delimiter.find_first_of(" \t") != std::string::npos) {
      throw Error(ErrorKind::config,
                  "line " + std::to_string(m_line) + ": DELIMITER needs one delimiter");
    }
    m_delimiter = delimiter;
    m_i = eol;
    m_start = eol;
    return true;
  }

  void skip_to_line_end() {
    while (m_i < m_s.size() && m_s[m_i] != '\n')
      ++m_i;
  }

  void block_comment() {
    const int line = m_line;
    int depth = 0;
    while (m_i < m_s.size()) {
      if (m_s.compare(m_i, 2, "/*") == 0) {
        ++depth;
        m_i += 2;
      } else if (m_s.compare(m_i, 2, "*/") == 0) {
        m_i += 2;
        // PostgreSQL nests block comments; the others end at the first */.
        if (--depth == 0 || m_dialect != Dialect::postgres)
          return;
      } else {
        m_line += m_s[m_i] == '\n';
        ++m_i;
      }
    }
    unclosed("comment /*", line);
  }

  void quoted(char quote, bool backslash_escapes) {
    const int line = m_line;
    ++m_i;
    while (m_i < m_s.size()) {
      const char c = m_s[m_i];
      if (c == '\\' && backslash_escapes && m_i + 1 < m_s.size()) {
        m_line += m_s[m_i + 1] == '\n';
        m_i += 2;
        continue;
      }
      m_line += c == '\n';
      ++m_i;
      if (c == quote) {
        if (m_i < m_s.size() && m_s[m_i] == quote) {
          ++m_i;  // a doubled quote stands for itself
          continue;
        }
        return;
      }
    }
    unclosed(std::string("quote ") + quote, line);
  }

  void quoted_until(char close) {
    const int line = m_line;
    const auto end = m_s.find(close, m_i + 1);
    if (end == std::string_view::npos)
      unclosed("bracket [", line);
    for (std::size_t j = m_i; j < end; ++j)
      m_line += m_s[j] == '\n';
    m_i = end + 1;
  }

  // $tag$ ... $tag$; false when the $ does not open one (a parameter such as $1).
  bool dollar_quote() {
    if (m_i > 0 && is_word_char(m_s[m_i - 1]))
      return false;
    std::size_t j = m_i + 1;
    if (j < m_s.size() && is_word_start(m_s[j])) {
      while (j < m_s.size() &&
             (std::isalnum(static_cast<unsigned char>(m_s[j])) != 0 || m_s[j] == '_'))
        ++j;
    }
    if (j >= m_s.size() || m_s[j] != '$')
      return false;
    const std::string tag(m_s.substr(m_i, j - m_i + 1));
    const auto end = m_s.find(tag, j + 1);
    if (end == std::string_view::npos)
      unclosed("dollar quote " + tag, m_line);
    for (std::size_t k = m_i; k < end; ++k)
      m_line += m_s[k] == '\n';
    m_i = end + tag.size();
    return true;
  }

  [[noreturn]] void unclosed(const std::string& what, int line) const {
    throw Error(ErrorKind::config,
                "line " + std::to_string(line) + ": " + what + " is never closed");
  }

  void code_seen() {
    if (!m_has_code) {
      m_has_code = true;
      m_first_line = m_line;
    }
  }

  // Compound bodies: BEGIN ... END inside CREATE TRIGGER (and MySQL routines and events).
  void word(const std::string& w) {
    code_seen();
    if (m_words.size() < 8)
      m_words.push_back(w);
    if (m_words.size() <= 8 && !m_body && !m_words.empty() && m_words.front() == "CREATE") {
      if (w == "TRIGGER" && m_dialect != Dialect::postgres)
        m_body = true;
      if ((w == "PROCEDURE" || w == "FUNCTION" || w == "EVENT") && m_dialect == Dialect::mysql)
        m_body = true;
    }
    if (!m_body)
      return;
    if (m_after_end) {
      m_after_end = false;
      // END IF, END LOOP, ... close blocks that were never counted: undo the END. END CASE
      // closes the CASE counted at its start.
      if (w == "IF" || w == "LOOP" || w == "WHILE" || w == "REPEAT") {
        ++m_depth;
        return;
      }
      if (w == "CASE")
        return;
    }
    if (w == "BEGIN" || w == "CASE") {
      ++m_depth;
    } else if (w == "END") {
      --m_depth;
      m_after_end = true;
    }
  }

  void end_statement(std::size_t end) {
    if (m_has_code) {
      m_out.push_back(ScriptStatement{.text = std::string(trim(m_s.substr(m_start, end - m_start))),
                                      .line = m_first_line});
    }
    m_has_code = false;
    m_words.clear();
    m_body = false;
    m_after_end = false;
    m_depth = 0;
    m_start = end;
  }

  std::string_view m_s;
  Dialect m_dialect;
  std::string m_delimiter = ";";
  std::size_t m_i = 0;
  std::size_t m_start = 0;
  int m_line = 1;
  int m_first_line = 1;
  bool m_has_code = false;
  std::vector<std::string> m_words;
  bool m_body = false;
  bool m_after_end = false;
  int m_depth = 0;
  std::vector<ScriptStatement> m_out;
};

}  // namespace

std::vector<ScriptStatement> split_sql_script(std::string_view script, Dialect dialect) {
  return Splitter(script, dialect).run();
}

}  // namespace ferry::schema
