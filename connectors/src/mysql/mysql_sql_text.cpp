// Reading stored SQL text (mysql_sql_text.hpp): a tokenizer that knows MySQL's quotes and
// comments, and what the catalog reader needs from it.
#include "mysql/mysql_sql_text.hpp"

#include <algorithm>
#include <cctype>

#include "ferry/common/text.hpp"
#include "mysql/mysql_session.hpp"

namespace ferry::connectors::mysql {
namespace {

// A token of stored SQL text: just enough to find names outside strings and comments.
struct Token {
  enum Kind { word, quoted, string, punct } kind;
  std::size_t begin;
  std::size_t end;
  std::string name;  // word: as written; quoted identifier: unquoted; punct: the character
  bool is(char c) const { return kind == punct && name[0] == c; }
  bool is_name() const { return kind == word || kind == quoted; }
};

bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Comments are skipped, except versioned ones (/*! ... */, /*M! ... */): the server runs
// their text, so it is read as code.
std::vector<Token> tokenize(std::string_view sql, const SqlMode& mode) {
  std::vector<Token> out;
  const std::size_t n = sql.size();
  std::size_t i = 0;
  bool in_versioned_comment = false;
  const auto at = [&](std::size_t k, char c) { return k < n && sql[k] == c; };
  while (i < n) {
    const char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#' || (c == '-' && at(i + 1, '-') &&
                            (i + 2 >= n || std::isspace(static_cast<unsigned char>(sql[i + 2]))))) {
      while (i < n && sql[i] != '\n')
        ++i;
    } else if (c == '/' && at(i + 1, '*')) {
      if (at(i + 2, '!') || (at(i + 2, 'M') && at(i + 3, '!'))) {
        i += at(i + 2, '!') ? 3 : 4;
        while (i < n && std::isdigit(static_cast<unsigned char>(sql[i])))
          ++i;
        in_versioned_comment = true;
      } else {
        const auto close = sql.find("*/", i + 2);
        i = close == std::string_view::npos ? n : close + 2;
      }
    } else if (in_versioned_comment && c == '*' && at(i + 1, '/')) {
      in_versioned_comment = false;
      i += 2;
    } else if (c == '`' || c == '"' || c == '\'') {
      const bool identifier = c == '`' || (c == '"' && mode.ansi_quotes);
      std::string name;
      std::size_t j = i + 1;
      while (j < n) {
        if (!identifier && mode.backslash_escapes && sql[j] == '\\' && j + 1 < n) {
          j += 2;
        } else if (sql[j] == c && at(j + 1, c)) {
          name += c;
          j += 2;
        } else if (sql[j] == c) {
          break;
        } else {
          name += sql[j++];
        }
      }
      const std::size_t end = std::min(j + 1, n);
      out.push_back({identifier ? Token::quoted : Token::string, i, end, std::move(name)});
      i = end;
    } else if (word_char(c)) {
      std::size_t j = i;
      while (j < n && word_char(sql[j]))
        ++j;
      out.push_back({Token::word, i, j, std::string(sql.substr(i, j - i))});
      i = j;
    } else {
      out.push_back({Token::punct, i, i + 1, std::string(1, c)});
      ++i;
    }
  }
  return out;
}

}  // namespace

std::string strip_own_database(std::string_view sql, const std::string& database,
                               const std::set<std::string>& objects, const SqlMode& mode) {
  const std::vector<Token> tokens = tokenize(sql, mode);
  std::string out;
  std::size_t copied = 0;
  for (std::size_t i = 0; i + 2 < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (!t.is_name() || t.name != database || (i > 0 && tokens[i - 1].is('.')))
      continue;
    if (!tokens[i + 1].is('.') || !tokens[i + 2].is_name())
      continue;
    const bool chain = i + 3 < tokens.size() && tokens[i + 3].is('.');
    if (!chain && !objects.contains(ascii_lower(tokens[i + 2].name)))
      continue;
    out.append(sql.substr(copied, t.begin - copied));
    copied = tokens[i + 1].end;
  }
  out.append(sql.substr(copied));
  return out;
}

std::set<std::string> called_names(std::string_view sql, const SqlMode& mode) {
  const std::vector<Token> tokens = tokenize(sql, mode);
  std::set<std::string> out;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (!t.is_name() || (i > 0 && tokens[i - 1].is('.')))
      continue;
    const bool call = i + 1 < tokens.size() && tokens[i + 1].is('(');
    const bool after_call =
        i > 0 && tokens[i - 1].kind == Token::word && ascii_lower(tokens[i - 1].name) == "call";
    if (call || after_call)
      out.insert(ascii_lower(t.name));
  }
  return out;
}

std::string strip_definer(std::string statement) {
  const std::string_view prefix = "CREATE DEFINER=";
  if (!statement.starts_with(prefix))
    return statement;
  std::size_t i = prefix.size();
  const auto skip_part = [&] {  // `quoted`, 'quoted' or bare
    if (i < statement.size() && (statement[i] == '`' || statement[i] == '\'')) {
      const char q = statement[i++];
      while (i < statement.size()) {
        if (statement[i] == q && i + 1 < statement.size() && statement[i + 1] == q) {
          i += 2;
        } else if (statement[i++] == q) {
          break;
        }
      }
    } else {
      while (i < statement.size() && statement[i] != '@' && statement[i] != ' ')
        ++i;
    }
  };
  skip_part();
  if (i < statement.size() && statement[i] == '@') {
    ++i;
    skip_part();
  }
  if (i >= statement.size() || statement[i] != ' ')
    return statement;  // not the form the server prints: keep it whole
  return "CREATE " + statement.substr(i + 1);
}

void replace_in_schedule(std::string& create_event, const std::string& from,
                         const std::string& to) {
  const auto body = create_event.find(" DO ");
  const auto at = create_event.find(from);
  if (at != std::string::npos && (body == std::string::npos || at < body))
    create_event.replace(at, from.size(), to);
}

// The statements that make the object: the session's own settings saved, the object's set,
// its CREATE, the session's restored (the rest of a plan runs under ferry's sql_mode).
std::vector<std::string> MadeUnder::definition(std::string create) const {
  std::string save =
      "SET @ferry_sql_mode = @@SESSION.sql_mode, "
      "@ferry_character_set_client = @@SESSION.character_set_client, "
      "@ferry_collation_connection = @@SESSION.collation_connection";
  std::string set = "SET SESSION sql_mode = " + string_literal(sql_mode) +
                    ", SESSION character_set_client = " + string_literal(character_set_client) +
                    ", SESSION collation_connection = " + string_literal(collation_connection);
  std::string restore =
      "SET SESSION sql_mode = @ferry_sql_mode, "
      "SESSION character_set_client = @ferry_character_set_client, "
      "SESSION collation_connection = @ferry_collation_connection";
  if (time_zone) {
    save += ", @ferry_time_zone = @@SESSION.time_zone";
    set += ", SESSION time_zone = " + string_literal(*time_zone);
    restore += ", SESSION time_zone = @ferry_time_zone";
  }
  return {std::move(save), std::move(set), std::move(create), std::move(restore)};
}

std::optional<std::string> placement(std::string_view create, const SqlMode& mode, bool& follows) {
  const std::vector<Token> tokens = tokenize(create, mode);
  const auto word = [&](std::size_t i, std::string_view w) {
    return i < tokens.size() && tokens[i].kind == Token::word && ascii_lower(tokens[i].name) == w;
  };
  for (std::size_t i = 0; i + 4 < tokens.size(); ++i) {
    if (!word(i, "for") || !word(i + 1, "each") || !word(i + 2, "row"))
      continue;
    follows = word(i + 3, "follows");
    if ((follows || word(i + 3, "precedes")) && tokens[i + 4].is_name())
      return tokens[i + 4].name;
    return std::nullopt;
  }
  return std::nullopt;
}

void trigger_order(std::vector<PlacedTrigger>& group) {
  const auto qualified = [&](std::size_t i) {
    return schema::qualified_name("", group[i].object.table) + "." + group[i].object.name;
  };
  const auto made_after = [&](std::size_t later, std::size_t earlier) {
    group[later].object.uses.push_back(qualified(earlier));
  };
  for (std::size_t i = 0; i < group.size(); ++i) {
    group[i].object.replace_key = i == 0 ? std::string{} : group[i - 1].object.name;
    if (!group[i].relative_to) {
      for (std::size_t j = i + 1; j < group.size(); ++j)
        made_after(j, i);
      continue;
    }
    const std::string other = ascii_lower(*group[i].relative_to);
    const auto it = std::find_if(group.begin(), group.end(), [&](const PlacedTrigger& t) {
      return ascii_lower(t.object.name) == other;
    });
    if (it == group.end())
      continue;  // names no trigger of the group: its CREATE fails where it is made
    const auto x = static_cast<std::size_t>(it - group.begin());
    made_after(i, x);
    for (std::size_t j = std::min(i, x) + 1; j < std::max(i, x); ++j)
      made_after(j, i);
  }
  for (PlacedTrigger& t : group) {
    std::vector<std::string>& uses = t.object.uses;
    std::sort(uses.begin(), uses.end());
    uses.erase(std::unique(uses.begin(), uses.end()), uses.end());
  }
}

}  // namespace ferry::connectors::mysql
