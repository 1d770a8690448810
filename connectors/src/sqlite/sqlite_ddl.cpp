#include "sqlite/sqlite_ddl.hpp"

#include <cctype>

#include "ferry/common/text.hpp"

namespace ferry::connectors::sqlite_ddl {
namespace {

enum class TokenKind { word, quoted, string, number, punct };

struct Token {
  TokenKind kind;
  std::size_t begin;
  std::size_t end;
  std::string text;  // identifiers unquoted; words upper-cased in `upper`
  std::string upper;
};

std::vector<Token> tokenize(std::string_view sql) {
  std::vector<Token> out;
  std::size_t i = 0;
  const std::size_t n = sql.size();
  while (i < n) {
    const char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      while (i < n && sql[i] != '\n')
        ++i;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      const auto close = sql.find("*/", i + 2);
      i = close == std::string_view::npos ? n : close + 2;
    } else if (c == '"' || c == '`' || c == '[' || c == '\'') {
      const char close = c == '[' ? ']' : c;
      std::string text;
      std::size_t j = i + 1;
      while (j < n) {
        if (sql[j] == close) {
          if (close != ']' && j + 1 < n && sql[j + 1] == close) {
            text += close;
            j += 2;
            continue;
          }
          break;
        }
        text += sql[j++];
      }
      const TokenKind kind = c == '\'' ? TokenKind::string : TokenKind::quoted;
      out.push_back({kind, i, std::min(j + 1, n), text, {}});
      i = std::min(j + 1, n);
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
               static_cast<unsigned char>(c) >= 0x80) {
      std::size_t j = i;
      while (j < n && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_' ||
                       sql[j] == '$' || static_cast<unsigned char>(sql[j]) >= 0x80)) {
        ++j;
      }
      std::string text(sql.substr(i, j - i));
      std::string upper = ascii_upper(text);
      const TokenKind kind =
          std::isdigit(static_cast<unsigned char>(c)) ? TokenKind::number : TokenKind::word;
      out.push_back({kind, i, j, std::move(text), std::move(upper)});
      i = j;
    } else {
      out.push_back({TokenKind::punct, i, i + 1, std::string(1, c), std::string(1, c)});
      ++i;
    }
  }
  return out;
}

bool is_name(const Token& t) {
  return t.kind == TokenKind::word || t.kind == TokenKind::quoted;
}

// A cursor over a token range [pos, end).
struct Cursor {
  const std::vector<Token>& tokens;
  std::string_view sql;
  std::size_t pos;
  std::size_t end;

  bool done() const { return pos >= end; }
  const Token& peek() const { return tokens[pos]; }
  bool at_word(std::string_view w) const {
    return !done() && tokens[pos].kind == TokenKind::word && tokens[pos].upper == w;
  }
  bool at_punct(char c) const {
    return !done() && tokens[pos].kind == TokenKind::punct && tokens[pos].text[0] == c;
  }
  bool accept_word(std::string_view w) {
    if (!at_word(w))
      return false;
    ++pos;
    return true;
  }
  // Index one past the ')' matching the '(' at pos.
  std::size_t matching_paren() const {
    int depth = 0;
    for (std::size_t i = pos; i < end; ++i) {
      if (tokens[i].kind != TokenKind::punct)
        continue;
      if (tokens[i].text[0] == '(')
        ++depth;
      if (tokens[i].text[0] == ')' && --depth == 0)
        return i + 1;
    }
    return end;
  }
  // The source text inside the parentheses at pos; moves past them.
  std::string take_paren_text() {
    if (!at_punct('('))
      return {};
    const std::size_t close = matching_paren();
    std::string text;
    if (close - pos >= 2) {
      text = std::string(
          sql.substr(tokens[pos + 1].begin, tokens[close - 1].begin - tokens[pos + 1].begin));
    }
    pos = close;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
      text.pop_back();
    return text;
  }
  // Names in "(a, b, c)", each possibly followed by COLLATE/ASC/DESC; moves past them.
  std::vector<std::string> take_name_list() {
    std::vector<std::string> names;
    if (!at_punct('('))
      return names;
    const std::size_t close = matching_paren();
    bool expect_name = true;
    for (std::size_t i = pos + 1; i + 1 < close; ++i) {
      const Token& t = tokens[i];
      if (t.kind == TokenKind::punct && t.text[0] == ',') {
        expect_name = true;
      } else if (expect_name && is_name(t)) {
        names.push_back(t.text);
        expect_name = false;
      }
    }
    pos = close;
    return names;
  }
  std::optional<std::string> take_name() {
    if (done() || !is_name(peek()))
      return std::nullopt;
    return tokens[pos++].text;
  }
};

// Splits [begin, end) at commas of paren depth zero.
std::vector<std::pair<std::size_t, std::size_t>> split_items(const std::vector<Token>& tokens,
                                                             std::size_t begin, std::size_t end) {
  std::vector<std::pair<std::size_t, std::size_t>> items;
  int depth = 0;
  std::size_t start = begin;
  for (std::size_t i = begin; i < end; ++i) {
    if (tokens[i].kind != TokenKind::punct)
      continue;
    const char c = tokens[i].text[0];
    if (c == '(')
      ++depth;
    if (c == ')')
      --depth;
    if (c == ',' && depth == 0) {
      items.emplace_back(start, i);
      start = i + 1;
    }
  }
  if (start < end)
    items.emplace_back(start, end);
  return items;
}

void parse_references(Cursor& c, ForeignKeyDef& fk) {
  if (auto name = c.take_name())
    fk.ref_table = *name;
  if (c.at_punct('.')) {  // schema.table
    ++c.pos;
    if (auto name = c.take_name())
      fk.ref_table = *name;
  }
  c.take_name_list();
  while (!c.done()) {
    if (c.accept_word("NOT") && c.accept_word("DEFERRABLE")) {
      fk.deferrable = false;
    } else if (c.accept_word("DEFERRABLE")) {
      fk.deferrable = true;
      if (c.accept_word("INITIALLY"))
        fk.initially_deferred = c.accept_word("DEFERRED");
    } else if (c.at_word("ON") || c.at_word("MATCH")) {
      ++c.pos;
      if (!c.done())
        ++c.pos;
      while (c.at_word("SET") || c.at_word("NULL") || c.at_word("DEFAULT") ||
             c.at_word("CASCADE") || c.at_word("RESTRICT") || c.at_word("NO") ||
             c.at_word("ACTION")) {
        ++c.pos;
      }
    } else {
      break;
    }
  }
}

void parse_column(Cursor c, TableDef& def) {
  ColumnDef col;
  col.name = c.take_name().value_or("");
  std::optional<std::string> constraint_name;
  while (!c.done()) {
    if (c.accept_word("CONSTRAINT")) {
      constraint_name = c.take_name();
      continue;
    }
    if (c.accept_word("COLLATE")) {
      col.collation = c.take_name();
    } else if (c.accept_word("CHECK")) {
      def.checks.push_back({constraint_name, col.name, c.take_paren_text()});
    } else if (c.accept_word("GENERATED")) {
      c.accept_word("ALWAYS");
    } else if (c.accept_word("AS")) {
      col.generated_expr = c.take_paren_text();
      col.generated_stored = c.accept_word("STORED");
    } else if (c.accept_word("REFERENCES")) {
      ForeignKeyDef fk;
      fk.name = constraint_name;
      fk.columns = {col.name};
      parse_references(c, fk);
      def.foreign_keys.push_back(std::move(fk));
    } else if (c.accept_word("UNIQUE")) {
      def.uniques.push_back({constraint_name, {col.name}});
    } else if (c.accept_word("PRIMARY")) {
      c.accept_word("KEY");
      def.primary_key = NamedColumns{constraint_name, {col.name}};
    } else if (c.accept_word("AUTOINCREMENT")) {
      col.autoincrement = true;
    } else if (c.accept_word("DEFAULT")) {
      if (c.at_punct('(')) {
        c.take_paren_text();
      } else if (c.at_punct('-') || c.at_punct('+')) {
        c.pos += 2;
      } else {
        ++c.pos;
      }
    } else if (c.at_punct('(')) {
      c.take_paren_text();  // type arguments such as (12,2)
    } else {
      ++c.pos;
      continue;  // a type word, NOT, NULL, ASC, ON CONFLICT ...: keep the pending name
    }
    constraint_name.reset();
  }
  def.columns.push_back(std::move(col));
}

void parse_table_constraint(Cursor c, TableDef& def) {
  std::optional<std::string> name;
  if (c.accept_word("CONSTRAINT"))
    name = c.take_name();
  if (c.accept_word("PRIMARY")) {
    c.accept_word("KEY");
    def.primary_key = NamedColumns{name, c.take_name_list()};
  } else if (c.accept_word("UNIQUE")) {
    def.uniques.push_back({name, c.take_name_list()});
  } else if (c.accept_word("CHECK")) {
    def.checks.push_back({name, std::nullopt, c.take_paren_text()});
  } else if (c.accept_word("FOREIGN")) {
    c.accept_word("KEY");
    ForeignKeyDef fk;
    fk.name = name;
    fk.columns = c.take_name_list();
    if (c.accept_word("REFERENCES"))
      parse_references(c, fk);
    def.foreign_keys.push_back(std::move(fk));
  }
}

bool starts_table_constraint(const Token& t) {
  return t.kind == TokenKind::word &&
         (t.upper == "CONSTRAINT" || t.upper == "PRIMARY" || t.upper == "UNIQUE" ||
          t.upper == "CHECK" || t.upper == "FOREIGN");
}

std::size_t find_punct(const std::vector<Token>& tokens, std::size_t from, char c) {
  for (std::size_t i = from; i < tokens.size(); ++i) {
    if (tokens[i].kind == TokenKind::punct && tokens[i].text[0] == c)
      return i;
  }
  return tokens.size();
}

}  // namespace

TableDef parse_create_table(std::string_view sql) {
  TableDef def;
  const std::vector<Token> tokens = tokenize(sql);
  const std::size_t open = find_punct(tokens, 0, '(');
  if (open == tokens.size())
    return def;
  Cursor whole{tokens, sql, open, tokens.size()};
  const std::size_t close = whole.matching_paren();
  for (std::size_t i = open; i + 1 < close; ++i) {
    if (tokens[i].kind == TokenKind::word && tokens[i].upper == "ON" &&
        tokens[i + 1].kind == TokenKind::word && tokens[i + 1].upper == "CONFLICT") {
      def.conflict_clause = true;
    }
  }
  for (const auto& [begin, end] : split_items(tokens, open + 1, close - 1)) {
    if (begin >= end)
      continue;
    Cursor item{tokens, sql, begin, end};
    if (starts_table_constraint(tokens[begin])) {
      parse_table_constraint(item, def);
    } else {
      parse_column(item, def);
    }
  }
  return def;
}

IndexDef parse_create_index(std::string_view sql) {
  IndexDef def;
  const std::vector<Token> tokens = tokenize(sql);
  std::size_t on = 0;
  while (on < tokens.size() && !(tokens[on].kind == TokenKind::word && tokens[on].upper == "ON")) {
    ++on;
  }
  const std::size_t open = find_punct(tokens, on, '(');
  if (open == tokens.size())
    return def;
  Cursor whole{tokens, sql, open, tokens.size()};
  const std::size_t close = whole.matching_paren();
  for (const auto& [begin, end] : split_items(tokens, open + 1, close - 1)) {
    if (begin >= end)
      continue;
    std::size_t last = end;
    IndexKeyDef key;
    const Token& tail = tokens[last - 1];
    if (tail.kind == TokenKind::word && (tail.upper == "DESC" || tail.upper == "ASC")) {
      key.descending = tail.upper == "DESC";
      --last;
    }
    if (last - begin >= 2 && tokens[last - 2].kind == TokenKind::word &&
        tokens[last - 2].upper == "COLLATE") {
      key.collation = tokens[last - 1].text;
      last -= 2;
    }
    if (last - begin == 1 && is_name(tokens[begin])) {
      key.text = tokens[begin].text;
    } else {
      key.text =
          std::string(sql.substr(tokens[begin].begin, tokens[last - 1].end - tokens[begin].begin));
    }
    def.keys.push_back(std::move(key));
  }
  if (close < tokens.size() && tokens[close].kind == TokenKind::word &&
      tokens[close].upper == "WHERE" && close + 1 < tokens.size()) {
    std::string predicate(sql.substr(tokens[close + 1].begin));
    while (!predicate.empty() && (std::isspace(static_cast<unsigned char>(predicate.back())) ||
                                  predicate.back() == ';')) {
      predicate.pop_back();
    }
    def.predicate = std::move(predicate);
  }
  return def;
}

std::string view_definition(std::string_view sql) {
  const std::vector<Token> tokens = tokenize(sql);
  for (const Token& t : tokens) {
    if (t.kind == TokenKind::word && t.upper == "AS") {
      std::string text(sql.substr(t.end));
      const auto first = text.find_first_not_of(" \t\r\n");
      return first == std::string::npos ? std::string{} : text.substr(first);
    }
  }
  return std::string(sql);
}

}  // namespace ferry::connectors::sqlite_ddl
