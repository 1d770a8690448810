// Catalogs across dialects (convert.hpp). Every mapping below is checked against how the
// target's connector reads the type back (postgres_catalog.cpp logical_type(),
// mysql_catalog.cpp logical_type(), sqlite_catalog.cpp sqlite_logical_type()).
#include "ferry/schema/convert.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>

#include "ferry/common/error.hpp"
#include "ferry/common/text.hpp"

namespace ferry::schema {
namespace {

const char* display(Dialect dialect) {
  switch (dialect) {
    case Dialect::postgres:
      return "PostgreSQL";
    case Dialect::mysql:
      return "MySQL";
    case Dialect::sqlite:
      return "SQLite";
  }
  return "?";
}

// Characters of a UTF-8 string (MySQL limits names in characters).
std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The longest name the target keeps whole: PostgreSQL cuts at 63 bytes, MySQL refuses more
// than 64 characters; SQLite has no limit.
bool name_fits(Dialect dialect, std::string_view name) {
  switch (dialect) {
    case Dialect::postgres:
      return name.size() <= 63;
    case Dialect::mysql:
      return utf8_length(name) <= 64;
    case Dialect::sqlite:
      return true;
  }
  return true;
}

// `name` cut to fit the target with `suffix` after it, never inside a UTF-8 sequence.
std::string fitted(Dialect dialect, std::string name, std::string_view suffix = "") {
  while (!name.empty() && !name_fits(dialect, name + std::string(suffix))) {
    // One character: its continuation bytes, then its first.
    while (name.size() > 1 && (static_cast<unsigned char>(name.back()) & 0xC0) == 0x80)
      name.pop_back();
    name.pop_back();
  }
  return name + std::string(suffix);
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty())
      out += separator;
    out += item;
  }
  return out;
}

// The base of a declared type, lowercased: "character varying(40)" -> "character varying",
// "bigint(20) unsigned" -> "bigint", "VARCHAR(40)" -> "varchar".
std::string base_type(std::string_view declared) {
  std::string t = ascii_lower(trim(declared));
  t = t.substr(0, t.find('('));
  for (const std::string_view suffix : {" zerofill", " unsigned", " signed"}) {
    if (t.ends_with(suffix))
      t.resize(t.size() - suffix.size());
  }
  return std::string(trim(t));
}

// The integers in the first parentheses of a declared type: "numeric(12,2)" -> {12, 2}. Empty
// when there are none or they are not all integers.
std::vector<int> type_arguments(std::string_view declared) {
  const auto open = declared.find('(');
  const auto close = declared.find(')', open);
  if (open == std::string_view::npos || close == std::string_view::npos)
    return {};
  std::vector<int> out;
  std::string_view rest = declared.substr(open + 1, close - open - 1);
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view part = trim(rest.substr(0, comma));
    int value = 0;
    const auto r = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || r.ec != std::errc() || r.ptr != part.data() + part.size())
      return {};
    out.push_back(value);
    if (comma == std::string_view::npos)
      break;
    rest = rest.substr(comma + 1);
  }
  return out;
}

// The length of a varchar or char declaration: "character varying(40)", "char(36)",
// "VARCHAR(40)". None for text, longtext, an unbounded "character varying", a domain.
std::optional<int> text_length(std::string_view declared) {
  static const std::set<std::string, std::less<>> k_bounded = {"varchar",
                                                               "character varying",
                                                               "char",
                                                               "character",
                                                               "bpchar",
                                                               "nvarchar",
                                                               "nchar",
                                                               "varchar2",
                                                               "nvarchar2",
                                                               "national char",
                                                               "national character",
                                                               "national character varying",
                                                               "national varchar",
                                                               "varying character",
                                                               "native character"};
  if (!k_bounded.contains(base_type(declared)))
    return std::nullopt;
  const std::vector<int> args = type_arguments(declared);
  if (args.size() != 1 || args[0] <= 0)
    return std::nullopt;
  return args[0];
}

struct Precision {
  int precision = 0;
  int scale = 0;
};

// The precision and scale of an exact decimal: "numeric(12,2)", "decimal(10)", "NUMERIC(12, 2)";
// MySQL's "bigint unsigned" (a numeric to ferry) is numeric(20,0).
std::optional<Precision> numeric_precision(std::string_view declared) {
  const std::string base = base_type(declared);
  if (base == "bigint" && ascii_lower(declared).find("unsigned") != std::string::npos)
    return Precision{20, 0};
  if (base != "numeric" && base != "decimal" && base != "dec" && base != "fixed")
    return std::nullopt;
  const std::vector<int> args = type_arguments(declared);
  if (args.size() == 1)
    return Precision{args[0], 0};
  if (args.size() == 2)
    return Precision{args[0], args[1]};
  return std::nullopt;
}

bool is_integer(LogicalType type) {
  return type == LogicalType::int16 || type == LogicalType::int32 || type == LogicalType::int64;
}

// PostgreSQL's own spelling of a name in a type position: bare when that reads back the same.
std::string pg_identifier(std::string_view name) {
  const bool bare = !name.empty() &&
                    (std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_') &&
                    std::all_of(name.begin(), name.end(), [](char c) {
                      return std::islower(static_cast<unsigned char>(c)) ||
                             std::isdigit(static_cast<unsigned char>(c)) || c == '_';
                    });
  if (bare)
    return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"')
      out += c;
    out += c;
  }
  return out + "\"";
}

// A string literal as `dialect` reads it: MySQL also escapes backslashes.
std::string string_literal(Dialect dialect, std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || (dialect == Dialect::mysql && c == '\\'))
      out += c;
    out += c;
  }
  return out + "'";
}

// The parts of a possibly qualified, possibly quoted name: public."Mood" -> {public, Mood}.
std::vector<std::string> name_parts(std::string_view name) {
  std::vector<std::string> parts(1);
  bool quoted = false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '"') {
      if (quoted && i + 1 < name.size() && name[i + 1] == '"') {
        parts.back() += '"';
        ++i;
      } else {
        quoted = !quoted;
      }
    } else if (c == '.' && !quoted) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}

// The labels of a MySQL "enum('a','b')" as information_schema prints it: '' for a quote, a
// backslash escaped ('back\\slash').
std::optional<std::vector<std::string>> mysql_enum_labels(std::string_view declared) {
  if (base_type(declared) != "enum")
    return std::nullopt;
  std::vector<std::string> labels;
  std::size_t i = declared.find('(') + 1;
  while (i < declared.size()) {
    while (i < declared.size() && (declared[i] == ' ' || declared[i] == ','))
      ++i;
    if (i < declared.size() && declared[i] == ')')
      return labels;
    if (i >= declared.size() || declared[i] != '\'')
      return std::nullopt;
    std::string label;
    for (++i; i < declared.size(); ++i) {
      if (declared[i] == '\'' && i + 1 < declared.size() && declared[i + 1] == '\'') {
        label += '\'';
        ++i;
      } else if (declared[i] == '\\' && i + 1 < declared.size()) {
        label += declared[++i];
      } else if (declared[i] == '\'') {
        break;
      } else {
        label += declared[i];
      }
    }
    if (i >= declared.size())
      return std::nullopt;
    ++i;
    labels.push_back(std::move(label));
  }
  return std::nullopt;
}

// A default as a value ferry can spell in any dialect; anything else is an expression.
struct Literal {
  enum class Kind { null, number, string, boolean, now, today } kind = Kind::null;
  std::string text;    // number: as written; string: unescaped
  bool truth = false;  // boolean
};

bool is_number(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+'))
    ++i;
  std::size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    ++i;
    ++digits;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      ++i;
      ++digits;
    }
  }
  if (digits == 0)
    return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+'))
      ++i;
    const std::size_t exponent = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
      ++i;
    if (i == exponent)
      return false;
  }
  return i == s.size();
}

// Whether the parenthesis at 0 closes at the end: "(0)" but not "(a) + (b)".
bool wrapped(std::string_view s) {
  if (s.size() < 2 || s.front() != '(' || s.back() != ')')
    return false;
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\'')
      quoted = !quoted;
    if (quoted)
      continue;
    depth += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
    if (depth == 0 && i + 1 < s.size())
      return false;
  }
  return true;
}

// PostgreSQL: 'abc'::character varying, '-1'::integer, NULL::text, now(), CURRENT_DATE.
// MySQL: 'abc' (with backslash escapes), 5, current_timestamp(), curdate(). SQLite: as written.
std::optional<Literal> parse_default(std::string_view expr, Dialect dialect) {
  expr = trim(expr);
  while (wrapped(expr))
    expr = trim(expr.substr(1, expr.size() - 2));
  Literal out;
  if (!expr.empty() && expr.front() == '\'') {
    std::size_t i = 1;
    for (; i < expr.size(); ++i) {
      const char c = expr[i];
      if (c == '\'' && i + 1 < expr.size() && expr[i + 1] == '\'') {
        out.text += '\'';
        ++i;
      } else if (c == '\'') {
        break;
      } else if (c == '\\' && dialect == Dialect::mysql && i + 1 < expr.size()) {
        const char e = expr[++i];
        out.text += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == '0' ? '\0' : e;
      } else {
        out.text += c;
      }
    }
    if (i >= expr.size())
      return std::nullopt;
    const std::string_view rest = trim(expr.substr(i + 1));
    // PostgreSQL casts a literal to the column's type: 'abc'::character varying.
    if (!rest.empty() && !(dialect == Dialect::postgres && rest.starts_with("::")))
      return std::nullopt;
    out.kind = Literal::Kind::string;
    return out;
  }
  if (dialect == Dialect::postgres) {
    const auto cast = expr.find("::");
    if (cast != std::string_view::npos && expr.find_first_of("'(") == std::string_view::npos)
      expr = trim(expr.substr(0, cast));  // NULL::text, 0::numeric
  }
  const std::string l = ascii_lower(expr);
  if (l == "null") {
    out.kind = Literal::Kind::null;
    return out;
  }
  if (l == "true" || l == "false") {
    out.kind = Literal::Kind::boolean;
    out.truth = l == "true";
    return out;
  }
  if (is_number(l)) {
    out.kind = Literal::Kind::number;
    out.text = std::string(expr);
    return out;
  }
  static const std::set<std::string, std::less<>> k_now = {
      "now()",          "current_timestamp", "current_timestamp()",
      "localtimestamp", "localtimestamp()",  "transaction_timestamp()"};
  const bool now_with_precision =
      (l.starts_with("current_timestamp(") || l.starts_with("localtimestamp(")) && l.ends_with(")");
  if (k_now.contains(l) || now_with_precision) {
    out.kind = Literal::Kind::now;
    return out;
  }
  if (l == "current_date" || l == "current_date()" || l == "curdate()") {
    out.kind = Literal::Kind::today;
    return out;
  }
  return std::nullopt;
}

// A boolean's text as PostgreSQL accepts it in a string, or MySQL and SQLite as a number.
std::optional<bool> truth_of(const Literal& literal) {
  if (literal.kind == Literal::Kind::boolean)
    return literal.truth;
  if (literal.kind != Literal::Kind::number && literal.kind != Literal::Kind::string)
    return std::nullopt;
  const std::string t = ascii_lower(trim(literal.text));
  for (const char* yes : {"1", "t", "true", "y", "yes", "on"}) {
    if (t == yes)
      return true;
  }
  for (const char* no : {"0", "f", "false", "n", "no", "off"}) {
    if (t == no)
      return false;
  }
  return std::nullopt;
}

struct ColumnKey {
  std::string schema, table, column;
  auto operator<=>(const ColumnKey&) const = default;
};

class Converter {
 public:
  Converter(const Catalog& source, Dialect target) : m_source(source), m_target(target) {}

  Converted run() {
    Catalog& out = m_out.catalog;
    out.dialect = m_target;
    out.database = m_source.database;
    if (m_target == Dialect::postgres) {
      out.schemas = {"public"};
      for (const Table& t : m_source.tables)
        m_type_names.insert(t.name);  // a table's row type takes its name
    }
    choose_tables();
    for (const Table& t : m_source.tables) {
      for (const ForeignKey& fk : t.foreign_keys) {
        for (const std::string& c : fk.ref_columns)
          m_referenced.insert({ref_schema(t, fk), fk.ref_table, c});
      }
    }
    for (const Table* t : m_carried)
      out.tables.push_back(convert_table(*t));
    align_foreign_keys();
    sequences();
    unique_names();
    if (m_target == Dialect::mysql) {
      for (Table& t : out.tables)
        fit_mysql_row(t);
    }
    left_out();
    if (!m_errors.empty()) {
      std::string message =
          fmt::format("cannot convert the structure from {} to {}:", display(m_source.dialect),
                      display(m_target));
      for (const std::string& e : m_errors)
        message += "\n  " + e;
      throw Error(ErrorKind::usage, message);
    }
    sort_catalog(out);
    return std::move(m_out);
  }

 private:
  void note(std::string line) { m_out.notes.push_back(std::move(line)); }

  std::string target_schema() const { return m_target == Dialect::postgres ? "public" : ""; }

  // Names that differ only in case are one name in SQLite (tables, indexes) and MySQL
  // (columns, indexes, constraints).
  std::string folded(std::string_view name, bool case_insensitive) const {
    return case_insensitive ? ascii_lower(name) : std::string(name);
  }

  // The schema a foreign key's table is in, as the source names it: MySQL's "" is its own
  // database, and so is SQLite's.
  static std::string ref_schema(const Table& t, const ForeignKey& fk) {
    return fk.ref_schema.empty() ? t.schema : fk.ref_schema;
  }

  static std::string column_name(const Table& t, const Column& c) {
    return t.qualified_name() + "." + c.name;
  }

  void check_name(std::string_view what, std::string_view name) {
    if (!name_fits(m_target, name)) {
      m_errors.push_back(fmt::format("{}: the name is longer than {} allows ({})", what,
                                     display(m_target),
                                     m_target == Dialect::postgres ? "63 bytes" : "64 characters"));
    }
  }

  // Which tables are carried and under which names. PostgreSQL's partitions are read through
  // their parent, which becomes one plain table.
  void choose_tables() {
    std::map<std::string, const Table*> seen;  // folded target name -> source table
    std::set<std::string> flattened;
    for (const Table& t : m_source.tables) {
      if (t.partition_of) {
        note(fmt::format("table {} not carried: a partition of {}, whose rows it holds",
                         t.qualified_name(), *t.partition_of));
        continue;
      }
      const auto [it, fresh] = seen.emplace(folded(t.name, m_target == Dialect::sqlite), &t);
      if (!fresh) {
        m_errors.push_back(fmt::format("tables {} and {} would both be named {} in {}",
                                       it->second->qualified_name(), t.qualified_name(), t.name,
                                       display(m_target)));
        continue;
      }
      check_name("table " + t.qualified_name(), t.name);
      m_carried.push_back(&t);
      m_carried_names.insert({t.schema, t.name});
      if (m_target != Dialect::postgres && !t.schema.empty() && t.schema != "public")
        flattened.insert(t.schema);
    }
    for (const std::string& schema : flattened) {
      note(fmt::format("schema {} flattened: its tables are created without it in {}", schema,
                       display(m_target)));
    }
  }

  bool carried(const std::string& schema, const std::string& table) const {
    return m_carried_names.contains({schema, table});
  }

  // A column whose values the database hands out: identity, serial, AUTO_INCREMENT, SQLite's
  // INTEGER PRIMARY KEY (the rowid).
  bool auto_assigned(const Table& t, const Column& c) const {
    if (c.identity != Identity::none)
      return true;
    if (m_source.dialect == Dialect::postgres && c.default_expr &&
        ascii_lower(*c.default_expr).starts_with("nextval(")) {
      return std::any_of(m_source.sequences.begin(), m_source.sequences.end(),
                         [&](const Sequence& s) {
                           return s.schema == t.schema && s.owned_by == t.name + "." + c.name;
                         });
    }
    return m_source.dialect == Dialect::sqlite && rowid_alias(t, c);
  }

  static bool rowid_alias(const Table& t, const Column& c) {
    return !t.without_rowid && t.primary_key &&
           t.primary_key->columns == std::vector<std::string>{c.name} &&
           ascii_upper(trim(c.declared_type)) == "INTEGER" && !c.default_expr;
  }

  const EnumType* find_enum(const Table& t, std::string_view declared) const {
    const std::vector<std::string> parts = name_parts(declared);
    const auto find = [&](std::string_view schema, std::string_view name) -> const EnumType* {
      for (const EnumType& e : m_source.enums) {
        if (e.schema == schema && e.name == name)
          return &e;
      }
      return nullptr;
    };
    if (parts.size() == 2)
      return find(parts[0], parts[1]);
    if (parts.size() != 1)
      return nullptr;
    if (const EnumType* e = find(t.schema, parts[0]))
      return e;
    if (const EnumType* e = find("public", parts[0]))
      return e;
    for (const EnumType& e : m_source.enums) {
      if (e.name == parts[0])
        return &e;
    }
    return nullptr;
  }

  // A PostgreSQL enum type for a MySQL enum column, named <table>_<column>.
  std::optional<std::string> make_enum(const Table& t, const Column& c) {
    const auto labels = mysql_enum_labels(c.declared_type);
    if (!labels || labels->empty())
      return std::nullopt;
    const std::string base = fitted(m_target, t.name + "_" + c.name);
    std::string name = base;
    for (int n = 2; m_type_names.contains(name); ++n)
      name = fitted(m_target, base, "_" + std::to_string(n));
    m_type_names.insert(name);
    m_out.catalog.enums.push_back(EnumType{"public", name, *labels});
    note(fmt::format("column {}: {} made the enum type public.{}", column_name(t, c),
                     c.declared_type, name));
    return pg_identifier(name);
  }

  struct Type {
    std::string declared;
    LogicalType type;
  };

  // The target's declaration of a column's type, and the LogicalType the target's connector
  // reads it back as. nullopt (and an error) where the target cannot hold it.
  std::optional<Type> map_type(const Table& t, const Column& c) {
    const std::string name = column_name(t, c);
    const auto refuse = [&](std::string_view why) -> std::optional<Type> {
      m_errors.push_back(
          fmt::format("column {}: type {} ({}) {}", name, c.declared_type, to_string(c.type), why));
      return std::nullopt;
    };
    const std::optional<int> length = text_length(c.declared_type);
    const std::optional<Precision> precision = numeric_precision(c.declared_type);
    switch (m_target) {
      case Dialect::postgres:
        switch (c.type) {
          case LogicalType::boolean:
            return Type{"boolean", c.type};
          case LogicalType::int16:
            return Type{"smallint", c.type};
          case LogicalType::int32:
            return Type{"integer", c.type};
          case LogicalType::int64:
            return Type{"bigint", c.type};
          case LogicalType::numeric:
            if (precision && precision->precision >= 1 && precision->precision <= 1000) {
              return Type{fmt::format("numeric({},{})", precision->precision, precision->scale),
                          c.type};
            }
            return Type{"numeric", c.type};
          case LogicalType::float32:
            return Type{"real", c.type};
          case LogicalType::float64:
            return Type{"double precision", c.type};
          case LogicalType::text:
            if (length && *length <= 10485760)
              return Type{fmt::format("character varying({})", *length), c.type};
            return Type{"text", c.type};
          case LogicalType::bytes:
            return Type{"bytea", c.type};
          case LogicalType::date:
            return Type{"date", c.type};
          case LogicalType::time:
            return Type{"time without time zone", c.type};
          case LogicalType::timestamp:
            return Type{"timestamp without time zone", c.type};
          case LogicalType::timestamptz:
            return Type{"timestamp with time zone", c.type};
          case LogicalType::interval:
            return Type{"interval", c.type};
          case LogicalType::json:
            // json, not jsonb: jsonb would print the documents reformatted.
            return Type{"json", c.type};
          case LogicalType::uuid:
            return Type{"uuid", c.type};
          case LogicalType::enumeration:
            if (const auto type = make_enum(t, c))
              return Type{*type, c.type};
            note(fmt::format("column {}: {} stored as text: its labels are not known", name,
                             c.declared_type));
            return Type{"text", LogicalType::text};
          case LogicalType::other:
            break;
        }
        return refuse("has no PostgreSQL equivalent");
      case Dialect::mysql:
        switch (c.type) {
          case LogicalType::boolean:
            return Type{"tinyint(1)", c.type};
          case LogicalType::int16:
            return Type{"smallint", c.type};
          case LogicalType::int32:
            return Type{"int", c.type};
          case LogicalType::int64:
            return Type{"bigint", c.type};
          case LogicalType::numeric:
            if (!precision) {
              note(
                  fmt::format("column {}: {} without a precision stored as decimal(38,10): "
                              "values with more than 28 integer digits do not fit, and "
                              "digits past the 10th decimal are rounded",
                              name, c.declared_type));
              return Type{"decimal(38,10)", c.type};
            }
            if (precision->precision < 1 || precision->precision > 65 || precision->scale < 0 ||
                precision->scale > 30 || precision->scale > precision->precision) {
              return refuse("does not fit MySQL's decimal (precision up to 65, scale 0 to 30)");
            }
            return Type{fmt::format("decimal({},{})", precision->precision, precision->scale),
                        c.type};
          case LogicalType::float32:
            return Type{"float", c.type};
          case LogicalType::float64:
            return Type{"double", c.type};
          case LogicalType::text:
            if (length && *length <= 16383)
              return Type{fmt::format("varchar({})", *length), c.type};
            return Type{"longtext", c.type};
          case LogicalType::bytes:
            return Type{"longblob", c.type};
          case LogicalType::date:
            return Type{"date", c.type};
          case LogicalType::time:
            return Type{"time(6)", c.type};
          case LogicalType::timestamp:
            return Type{"datetime(6)", c.type};
          case LogicalType::timestamptz:
            // MySQL's DATETIME reads back as a timestamp without time zone; its TIMESTAMP
            // is the instant, in a narrower range.
            note(
                fmt::format("column {}: {} stored as timestamp(6), which holds 1970-01-01 "
                            "00:00:01 to 2038-01-19 03:14:07 UTC only",
                            name, c.declared_type));
            return Type{"timestamp(6)", c.type};
          case LogicalType::interval:
            return refuse("has no MySQL equivalent");
          case LogicalType::json:
            return Type{"json", c.type};
          case LogicalType::uuid:
            return Type{"uuid", c.type};  // MariaDB 10.7 and later
          case LogicalType::enumeration:
            if (const EnumType* e = find_enum(t, c.declared_type); e && !e->labels.empty()) {
              m_enums_used.insert(e->qualified_name());
              std::vector<std::string> labels;
              for (const std::string& l : e->labels)
                labels.push_back(string_literal(Dialect::mysql, l));
              return Type{"enum(" + join(labels, ",") + ")", c.type};
            }
            note(fmt::format("column {}: {} stored as longtext: its labels are not known", name,
                             c.declared_type));
            return Type{"longtext", LogicalType::text};
          case LogicalType::other:
            break;
        }
        return refuse("has no MySQL equivalent");
      case Dialect::sqlite:
        switch (c.type) {
          case LogicalType::boolean:
            return Type{"BOOLEAN", c.type};
          case LogicalType::int16:
            return Type{"SMALLINT", c.type};
          case LogicalType::int32:
            return Type{"INTEGER", LogicalType::int64};  // every SQLite integer is 64-bit
          case LogicalType::int64:
            return Type{"BIGINT", c.type};
          case LogicalType::numeric:
            // NUMERIC affinity keeps 15 significant digits exactly (it stores a REAL only
            // when that loses none of them): wider decimals are kept as text.
            if (precision && precision->precision >= 1 && precision->precision <= 15) {
              return Type{fmt::format("NUMERIC({},{})", precision->precision, precision->scale),
                          c.type};
            }
            note(
                fmt::format("column {}: {} stored as TEXT: SQLite's NUMERIC keeps 15 "
                            "significant digits only",
                            name, c.declared_type));
            return Type{"TEXT", LogicalType::text};
          case LogicalType::float32:
            return Type{"FLOAT4", c.type};  // REAL affinity, read back as float32
          case LogicalType::float64:
            return Type{"REAL", c.type};
          case LogicalType::text:
            if (length)
              return Type{fmt::format("VARCHAR({})", *length), c.type};
            return Type{"TEXT", c.type};
          case LogicalType::bytes:
            return Type{"BLOB", c.type};
          case LogicalType::date:
            return Type{"DATE", c.type};
          case LogicalType::time:
            return Type{"TIME", c.type};
          case LogicalType::timestamp:
            return Type{"TIMESTAMP", c.type};
          case LogicalType::timestamptz:
            return Type{"TIMESTAMPTZ", c.type};
          case LogicalType::interval:
            note(fmt::format("column {}: {} stored as TEXT in {}'s text form", name,
                             c.declared_type, display(m_source.dialect)));
            return Type{"TEXT", LogicalType::text};
          case LogicalType::json:
            // A column declared JSON reads back as json but has NUMERIC affinity: a document
            // that is a bare number (1.50) would be stored as the REAL 1.5.
            note(
                fmt::format("column {}: {} stored as TEXT: SQLite's JSON would store a "
                            "document that is a bare number as a REAL (1.50 as 1.5)",
                            name, c.declared_type));
            return Type{"TEXT", LogicalType::text};
          case LogicalType::uuid:
            return Type{"UUID", c.type};
          case LogicalType::enumeration:
            if (const EnumType* e = find_enum(t, c.declared_type))
              m_enums_used.insert(e->qualified_name());
            note(
                fmt::format("column {}: enum {} stored as TEXT: SQLite has no enum types, its "
                            "labels are not checked",
                            name, c.declared_type));
            return Type{"TEXT", LogicalType::text};
          case LogicalType::other:
            break;
        }
        return refuse("has no SQLite equivalent");
    }
    return std::nullopt;
  }

  // MySQL refuses a literal default on TEXT, BLOB and JSON columns (MySQL 8), but takes an
  // expression that is one.
  static bool mysql_needs_expression(const Column& c) {
    const std::string base = base_type(c.declared_type);
    return base == "longtext" || base == "longblob" || base == "json";
  }

  // The source default as the target spells it; nullopt (with a note) when it is not a
  // literal the target's column takes.
  std::optional<std::string> convert_default(const Table& t, const Column& source,
                                             const Column& c) {
    const std::string& expr = *source.default_expr;
    const std::optional<Literal> literal = parse_default(expr, m_source.dialect);
    const auto drop = [&](std::string_view why) -> std::optional<std::string> {
      note(fmt::format("column {}: default {} dropped: {}", column_name(t, source), expr, why));
      return std::nullopt;
    };
    if (!literal)
      return drop("an expression, not a literal");
    if (literal->kind == Literal::Kind::null)
      return std::nullopt;
    switch (c.type) {
      case LogicalType::boolean: {
        const std::optional<bool> truth = truth_of(*literal);
        if (!truth)
          return drop("not a boolean");
        if (m_target == Dialect::postgres)
          return *truth ? "true" : "false";
        return *truth ? "1" : "0";
      }
      case LogicalType::int16:
      case LogicalType::int32:
      case LogicalType::int64:
      case LogicalType::numeric:
      case LogicalType::float32:
      case LogicalType::float64:
        if (literal->kind == Literal::Kind::boolean)
          return literal->truth ? "1" : "0";
        if ((literal->kind == Literal::Kind::number || literal->kind == Literal::Kind::string) &&
            is_number(trim(literal->text))) {
          return std::string(trim(literal->text));
        }
        return drop("not a number");
      case LogicalType::timestamp:
      case LogicalType::timestamptz:
        if (literal->kind == Literal::Kind::now) {
          return m_target == Dialect::mysql ? "current_timestamp(6)" : "CURRENT_TIMESTAMP";
        }
        break;
      case LogicalType::date:
        if (literal->kind == Literal::Kind::today || literal->kind == Literal::Kind::now) {
          return m_target == Dialect::mysql ? "curdate()" : "CURRENT_DATE";
        }
        break;
      case LogicalType::bytes:
        return drop("byte strings are written differently in each dialect");
      default:
        break;
    }
    if (literal->kind != Literal::Kind::string && literal->kind != Literal::Kind::number)
      return drop(fmt::format("not a value of {}", to_string(c.type)));
    if (c.type == LogicalType::date || c.type == LogicalType::timestamp ||
        c.type == LogicalType::timestamptz) {
      // MySQL's zero dates and PostgreSQL's infinities are their own servers' only.
      const std::string value = ascii_lower(trim(literal->text));
      if (value.starts_with("0000-00-00") || is_number(value))
        return drop("MySQL's zero date");
      if ((value == "infinity" || value == "-infinity") && m_target != Dialect::postgres)
        return drop("PostgreSQL's infinity");
    }
    const std::string value = string_literal(m_target, literal->text);
    if (m_target == Dialect::mysql && mysql_needs_expression(c))
      return "(" + value + ")";
    return value;
  }

  // A column for the target; `auto_column` is set when its values are handed out by the
  // database (decided with the table's keys: finish_identity).
  Column convert_column(const Table& t, const Column& c, int position, bool& auto_column) {
    Column out;
    out.name = c.name;
    out.position = position;
    out.nullable = c.nullable;
    check_name("column " + column_name(t, c), c.name);
    auto_column = auto_assigned(t, c);
    Column typed = c;
    if (auto_column && !is_integer(c.type)) {
      const std::optional<Precision> p = numeric_precision(c.declared_type);
      if (c.type == LogicalType::numeric && p && p->scale == 0 && p->precision <= 20) {
        // MySQL's bigint unsigned AUTO_INCREMENT: its ids fit a signed bigint.
        note(
            fmt::format("column {}: {} stored as a signed 64-bit integer (an auto-increment "
                        "key; values above 9223372036854775807 do not fit)",
                        column_name(t, c), c.declared_type));
        typed.type = LogicalType::int64;
      } else {
        note(
            fmt::format("column {}: its values are no longer handed out: {} counts integers "
                        "only",
                        column_name(t, c), display(m_target)));
        auto_column = false;
      }
    }
    if (const std::optional<Type> type = map_type(t, typed)) {
      out.declared_type = type->declared;
      out.type = type->type;
    } else {
      out.declared_type = c.declared_type;
      out.type = c.type;
    }
    if (m_target != Dialect::sqlite)
      out.comment = c.comment;
    if (c.collation) {
      note(fmt::format("column {}: collation {} not carried", column_name(t, c), *c.collation));
    }
    if (c.generated_expr) {
      note(
          fmt::format("column {}: generated column ({}) carried as a plain column: its values "
                      "are copied, the expression is not converted",
                      column_name(t, c), *c.generated_expr));
    }
    if (c.on_update) {
      note(fmt::format("column {}: ON UPDATE {} not carried", column_name(t, c), *c.on_update));
    }
    if (c.default_expr && !auto_column && !c.generated_expr)
      out.default_expr = convert_default(t, c, out);
    return out;
  }

  // Identity for the columns whose values the database hands out, where the target can.
  void finish_identity(Table& out, const Table& source, const std::vector<bool>& auto_columns) {
    bool have_auto_increment = false;
    for (std::size_t i = 0; i < out.columns.size(); ++i) {
      if (!auto_columns[i])
        continue;
      Column& c = out.columns[i];
      const std::string name = column_name(source, source.columns[i]);
      const bool sole_key =
          out.primary_key && out.primary_key->columns == std::vector<std::string>{c.name};
      if (m_source.dialect == Dialect::sqlite && source.columns[i].identity == Identity::none &&
          m_target != Dialect::sqlite) {
        note(fmt::format("column {}: INTEGER PRIMARY KEY (the rowid) made {}", name,
                         m_target == Dialect::postgres ? "an identity" : "AUTO_INCREMENT"));
      }
      switch (m_target) {
        case Dialect::postgres: {
          const char* max = c.type == LogicalType::int16   ? "32767"
                            : c.type == LogicalType::int32 ? "2147483647"
                                                           : "9223372036854775807";
          c.identity = Identity::by_default;
          c.identity_options = fmt::format(
              "START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE {} CACHE 1 NO CYCLE", max);
          c.nullable = false;
          break;
        }
        case Dialect::mysql: {
          // AUTO_INCREMENT needs a key that starts with the column, and one per table.
          const auto starts = [&](const std::vector<std::string>& columns) {
            return !columns.empty() && columns.front() == c.name;
          };
          bool keyed = out.primary_key && starts(out.primary_key->columns);
          for (const UniqueConstraint& u : out.uniques)
            keyed = keyed || starts(u.columns);
          for (const Index& index : out.indexes)
            keyed = keyed || (!index.keys.empty() && index.keys.front().column == c.name);
          if (!keyed || have_auto_increment) {
            note(
                fmt::format("column {}: its values are no longer handed out: MySQL's "
                            "AUTO_INCREMENT needs {}",
                            name,
                            have_auto_increment ? "to be the table's only one"
                                                : "a key that starts with the column"));
            break;
          }
          c.identity = Identity::auto_increment;
          have_auto_increment = true;
          break;
        }
        case Dialect::sqlite:
          // Only an INTEGER PRIMARY KEY (the rowid) is numbered by SQLite.
          if (!sole_key) {
            note(
                fmt::format("column {}: its values are no longer handed out: SQLite numbers "
                            "an INTEGER PRIMARY KEY only",
                            name));
            break;
          }
          c.declared_type = "INTEGER";
          c.type = LogicalType::int64;
          c.identity = Identity::auto_increment;
          c.nullable = false;
          break;
      }
    }
  }

  // Why an index cannot be carried, or "".
  std::string index_unsupported(const Index& index) const {
    for (const IndexKey& k : index.keys) {
      if (k.expression)
        return "its keys include an expression (" + *k.expression + ")";
      if (k.opclass)
        return "operator class " + *k.opclass;
    }
    if (index.predicate)
      return "a partial index (WHERE " + *index.predicate + ")";
    if (!index.include.empty())
      return "INCLUDE columns";
    if (!index.method.empty() && ascii_lower(index.method) != "btree")
      return "method " + index.method;
    return "";
  }

  Table convert_table(const Table& s) {
    Table t;
    t.schema = target_schema();
    t.name = s.name;
    m_source_names[s.name] = s.qualified_name();
    t.row_estimate = s.row_estimate;
    if (m_target != Dialect::sqlite)
      t.comment = s.comment;
    table_options(s);

    std::map<std::string, const Column*> folded_columns;
    std::vector<bool> auto_columns;
    for (const Column& c : s.columns) {
      const auto [it, fresh] =
          folded_columns.emplace(folded(c.name, m_target != Dialect::postgres), &c);
      if (!fresh) {
        m_errors.push_back(fmt::format("columns {} and {} would be one column in {}",
                                       column_name(s, *it->second), column_name(s, c),
                                       display(m_target)));
      }
      m_source_types[{s.name, c.name}] = c.type;
      bool auto_column = false;
      t.columns.push_back(
          convert_column(s, c, static_cast<int>(t.columns.size()) + 1, auto_column));
      auto_columns.push_back(auto_column);
    }

    if (s.primary_key) {
      const bool named = !s.primary_key->name.empty() && s.primary_key->name != "PRIMARY";
      t.primary_key = PrimaryKey{m_target == Dialect::mysql ? "PRIMARY"
                                 : named                    ? s.primary_key->name
                                                            : s.name + "_pkey",
                                 s.primary_key->columns};
    }
    for (const UniqueConstraint& u : s.uniques) {
      UniqueConstraint o{u.name, u.columns};
      if (u.deferrable && m_target == Dialect::postgres) {
        o.deferrable = true;
        o.initially_deferred = u.initially_deferred;
      } else if (u.deferrable) {
        note(fmt::format("unique {}.{}: DEFERRABLE not carried", s.qualified_name(), u.name));
      }
      t.uniques.push_back(std::move(o));
    }
    for (const Index& index : s.indexes) {
      if (const std::string why = index_unsupported(index); !why.empty()) {
        note(fmt::format("index {}.{} not carried: {}", s.qualified_name(), index.name, why));
        continue;
      }
      Index o;
      o.name = index.name;
      o.unique = index.unique;
      o.method = "btree";
      bool collation = false;
      for (const IndexKey& k : index.keys) {
        o.keys.push_back(IndexKey{.column = k.column, .descending = k.descending});
        collation = collation || k.collation.has_value();
      }
      if (collation) {
        note(
            fmt::format("index {}.{}: key collations not carried", s.qualified_name(), index.name));
      }
      if (index.ignored) {
        note(fmt::format("index {}.{}: IGNORED not carried (the index is used)", s.qualified_name(),
                         index.name));
      }
      t.indexes.push_back(std::move(o));
    }
    for (const ForeignKey& fk : s.foreign_keys) {
      if (!carried(ref_schema(s, fk), fk.ref_table)) {
        note(fmt::format("foreign key {}.{} not carried: it references {}, which is not",
                         s.qualified_name(), fk.name, qualified_name(fk.ref_schema, fk.ref_table)));
        continue;
      }
      ForeignKey o = fk;
      o.ref_schema = target_schema();
      if (m_target != Dialect::postgres && !fk.valid) {
        note(fmt::format("foreign key {}.{}: NOT VALID not carried (the key is checked)",
                         s.qualified_name(), fk.name));
        o.valid = true;
      }
      if (m_target == Dialect::mysql) {
        if (fk.deferrable) {
          note(
              fmt::format("foreign key {}.{}: DEFERRABLE not carried: MySQL checks keys at "
                          "once",
                          s.qualified_name(), fk.name));
        }
        o.deferrable = false;
        o.initially_deferred = false;
        for (FkAction* action : {&o.on_delete, &o.on_update}) {
          if (*action == FkAction::set_default) {
            note(
                fmt::format("foreign key {}.{}: SET DEFAULT made NO ACTION: InnoDB has no SET "
                            "DEFAULT",
                            s.qualified_name(), fk.name));
            *action = FkAction::no_action;
          }
        }
      }
      t.foreign_keys.push_back(std::move(o));
    }
    for (const Check& c : s.checks) {
      note(
          fmt::format("check {}.{} not carried: check expressions are not converted between "
                      "dialects",
                      s.qualified_name(), c.name));
    }
    finish_identity(t, s, auto_columns);
    if (m_target == Dialect::mysql)
      mysql_keys(t, s);
    return t;
  }

  void table_options(const Table& s) {
    const std::string name = s.qualified_name();
    if (s.partition_by) {
      note(
          fmt::format("table {}: PARTITION BY {} not carried: one plain table holds every "
                      "partition's rows",
                      name, *s.partition_by));
    }
    if (!s.inherits.empty()) {
      note(
          fmt::format("table {}: INHERITS ({}) not carried; PostgreSQL reads a parent's rows "
                      "with its children's, so a copy of the parent holds this table's rows too",
                      name, join(s.inherits, ", ")));
    }
    if (s.row_security || s.force_row_security)
      note(fmt::format("table {}: row level security not carried", name));
    if (s.engine && ascii_lower(*s.engine) != "innodb")
      note(fmt::format("table {}: engine {} not carried", name, *s.engine));
    if (s.row_format)
      note(fmt::format("table {}: ROW_FORMAT={} not carried", name, *s.row_format));
    if (s.partitioning) {
      note(
          fmt::format("table {}: partitioning not carried: one plain table holds every "
                      "partition's rows",
                      name));
    }
    if (s.strict)
      note(fmt::format("table {}: STRICT not carried", name));
    if (s.without_rowid)
      note(fmt::format("table {}: WITHOUT ROWID not carried", name));
  }

  // MySQL indexes no longtext or longblob whole, nor more than 3072 bytes of a key (768
  // characters of utf8mb4): keys get bounded types, plain indexes a prefix.
  void mysql_keys(Table& t, const Table& s) {
    std::set<std::string> keys;
    if (t.primary_key)
      keys.insert(t.primary_key->columns.begin(), t.primary_key->columns.end());
    for (const UniqueConstraint& u : t.uniques)
      keys.insert(u.columns.begin(), u.columns.end());
    for (const ForeignKey& fk : t.foreign_keys)
      keys.insert(fk.columns.begin(), fk.columns.end());
    for (const Index& index : t.indexes) {
      for (const IndexKey& k : index.keys) {
        if (index.unique)
          keys.insert(k.column);
      }
    }
    for (Column& c : t.columns) {
      if (m_referenced.contains({s.schema, s.name, c.name}))
        keys.insert(c.name);
    }
    for (Column& c : t.columns) {
      if (!keys.contains(c.name))
        continue;
      const std::string name = s.qualified_name() + "." + c.name;
      const std::string base = base_type(c.declared_type);
      const std::optional<int> length = text_length(c.declared_type);
      std::string bounded;
      if (base == "longtext")
        bounded = "varchar(255)";
      else if (base == "longblob")
        bounded = "varbinary(255)";
      else if (length && *length > 768)
        bounded = "varchar(768)";
      if (base == "json") {
        m_errors.push_back(
            fmt::format("column {}: json is part of a key, and MySQL cannot "
                        "index json",
                        name));
      }
      if (bounded.empty())
        continue;
      note(
          fmt::format("column {}: stored as {}, not {}: it is part of a key, which MySQL "
                      "indexes whole (longer values do not fit)",
                      name, bounded, c.declared_type));
      c.declared_type = bounded;
    }
    for (auto index = t.indexes.begin(); index != t.indexes.end();) {
      bool json = false;
      for (IndexKey& k : index->keys) {
        const Column* c = t.find_column(k.column);
        if (c == nullptr)
          continue;
        const std::string base = base_type(c->declared_type);
        const std::optional<int> length = text_length(c->declared_type);
        json = json || base == "json";
        const int prefix = base == "longtext" || base == "longblob" ? 255
                           : length && *length > 768                ? 768
                                                                    : 0;
        if (prefix > 0 && !index->unique) {
          k.length = prefix;
          note(fmt::format("index {}.{}: key {} indexed by its first {} characters",
                           s.qualified_name(), index->name, k.column, prefix));
        }
      }
      if (json) {
        note(fmt::format("index {}.{} not carried: MySQL cannot index json", s.qualified_name(),
                         index->name));
        index = t.indexes.erase(index);
      } else {
        ++index;
      }
    }
  }

  // MySQL counts every varchar's largest size against 65535 bytes a row: the widest columns
  // outside keys become longtext (stored off the row) until the row fits.
  void fit_mysql_row(Table& t) {
    const auto bytes = [](const Column& c) -> long {
      const std::optional<int> length = text_length(c.declared_type);
      return length ? 4L * *length + (*length * 4 > 255 ? 2 : 1) : 0;
    };
    long total = 0;
    for (const Column& c : t.columns)
      total += bytes(c);
    std::set<std::string> keys;
    if (t.primary_key)
      keys.insert(t.primary_key->columns.begin(), t.primary_key->columns.end());
    for (const UniqueConstraint& u : t.uniques)
      keys.insert(u.columns.begin(), u.columns.end());
    for (const ForeignKey& fk : t.foreign_keys)
      keys.insert(fk.columns.begin(), fk.columns.end());
    for (const Index& index : t.indexes) {
      for (const IndexKey& k : index.keys)
        keys.insert(k.column);
    }
    while (total > 65535 - 1000) {
      Column* widest = nullptr;
      for (Column& c : t.columns) {
        if (!keys.contains(c.name) && bytes(c) > 0 && (!widest || bytes(c) > bytes(*widest)))
          widest = &c;
      }
      if (widest == nullptr)
        break;
      total -= bytes(*widest);
      note(
          fmt::format("column {}.{}: stored as longtext, not {}: the table's varchar columns "
                      "exceed MySQL's row size",
                      m_source_names[t.name], widest->name, widest->declared_type));
      widest->declared_type = "longtext";
    }
  }

  // Integer keys and the columns that reference them must be of one type in MySQL (size and
  // sign), and of comparable types in PostgreSQL (not numeric and bigint) and SQLite (not TEXT
  // and INTEGER). The referencing column takes the referenced one's type: its values are the
  // referenced ones.
  void align_foreign_keys() {
    const auto numeric_like = [](LogicalType type) {
      return is_integer(type) || type == LogicalType::numeric;
    };
    for (int pass = 0; pass < 3; ++pass) {
      for (Table& t : m_out.catalog.tables) {
        for (const ForeignKey& fk : t.foreign_keys) {
          const Table* parent = find_table(fk.ref_schema, fk.ref_table);
          if (parent == nullptr)
            continue;
          for (std::size_t i = 0; i < fk.columns.size() && i < fk.ref_columns.size(); ++i) {
            Column* c = find_column(t, fk.columns[i]);
            const Column* p = parent->find_column(fk.ref_columns[i]);
            if (c == nullptr || p == nullptr || c->declared_type == p->declared_type ||
                !numeric_like(m_source_types[{t.name, c->name}]) ||
                !numeric_like(m_source_types[{parent->name, p->name}]))
              continue;
            if (m_target != Dialect::mysql && is_integer(c->type) == is_integer(p->type))
              continue;
            note(fmt::format("column {}.{}: stored as {}, not {}, like the key {}.{} it references",
                             m_source_names[t.name], c->name, p->declared_type, c->declared_type,
                             m_source_names[parent->name], p->name));
            c->declared_type = p->declared_type;
            c->type = p->type;
          }
        }
      }
    }
  }

  Table* find_table(std::string_view schema, std::string_view name) {
    for (Table& t : m_out.catalog.tables) {
      if (t.schema == schema && t.name == name)
        return &t;
    }
    return nullptr;
  }

  static Column* find_column(Table& t, std::string_view name) {
    for (Column& c : t.columns) {
      if (c.name == name)
        return &c;
    }
    return nullptr;
  }

  // Serial and identity sequences went with their columns; standalone ones are carried to
  // PostgreSQL only (MySQL 8 has none, SQLite none at all).
  void sequences() {
    for (const Sequence& s : m_source.sequences) {
      if (owned_by_auto_column(s))
        continue;
      if (m_target != Dialect::postgres) {
        note(fmt::format("sequence {} not carried: sequences are carried to PostgreSQL only",
                         s.qualified_name()));
        continue;
      }
      Sequence o = s;
      o.schema = "public";
      o.owned_by.reset();
      o.privileges = {};
      m_out.catalog.sequences.push_back(std::move(o));
    }
  }

  bool owned_by_auto_column(const Sequence& s) const {
    if (!s.owned_by)
      return false;
    const auto dot = s.owned_by->rfind('.');
    if (dot == std::string::npos)
      return false;
    const Table* t = m_source.find_table(s.schema, s.owned_by->substr(0, dot));
    const Column* c = t ? t->find_column(s.owned_by->substr(dot + 1)) : nullptr;
    return c != nullptr && auto_assigned(*t, *c);
  }

  // Names each target needs unique: PostgreSQL's indexes (and the indexes of primary keys and
  // unique constraints) share the schema's namespace with its tables and sequences; SQLite's
  // indexes the database's with its tables; MySQL's indexes and unique keys are per table,
  // its foreign keys per database.
  void unique_names() {
    const bool fold = m_target != Dialect::postgres;
    std::set<std::string> relations;     // PostgreSQL, SQLite
    std::set<std::string> foreign_keys;  // MySQL
    for (const Table& t : m_out.catalog.tables)
      relations.insert(folded(t.name, fold));
    for (const Sequence& s : m_out.catalog.sequences)
      relations.insert(folded(s.name, fold));
    const char* scope = m_target == Dialect::postgres ? "schema" : "database";
    for (Table& t : m_out.catalog.tables) {
      std::set<std::string> own;  // MySQL: the table's index names
      own.insert("primary");
      if (t.primary_key && m_target == Dialect::postgres)
        claim(t, "primary key", t.primary_key->name, relations, scope);
      for (UniqueConstraint& u : t.uniques) {
        if (m_target == Dialect::postgres)
          claim(t, "unique", u.name, relations, scope);
        else if (m_target == Dialect::mysql)
          claim(t, "unique", u.name, own, "table");
      }
      for (Index& index : t.indexes) {
        if (m_target == Dialect::mysql)
          claim(t, "index", index.name, own, "table");
        else
          claim(t, "index", index.name, relations, scope);
      }
      if (m_target == Dialect::mysql) {
        for (ForeignKey& fk : t.foreign_keys)
          claim(t, "foreign key", fk.name, foreign_keys, "database");
      }
    }
  }

  void claim(const Table& t, std::string_view kind, std::string& name, std::set<std::string>& used,
             std::string_view scope) {
    const bool fold = m_target != Dialect::postgres;
    if (name_fits(m_target, name) && used.insert(folded(name, fold)).second)
      return;
    const std::string base = fitted(m_target, t.name + "_" + name);
    std::string candidate = base;
    for (int n = 2; !used.insert(folded(candidate, fold)).second; ++n)
      candidate = fitted(m_target, base, "_" + std::to_string(n));
    note(fmt::format("{} {} on {} renamed {}: {}'s {} names are unique per {}", kind, name, t.name,
                     candidate, display(m_target), kind, scope));
    name = candidate;
  }

  // Views, routines, triggers and the rest: one note each.
  void left_out() {
    for (const EnumType& e : m_source.enums) {
      if (m_target != Dialect::postgres && !m_enums_used.contains(e.qualified_name())) {
        note(fmt::format("enum {} not carried: no carried column uses it", e.qualified_name()));
      }
    }
    for (const View& v : m_source.views) {
      note(fmt::format("{} {} not carried: views are not converted between dialects",
                       v.materialized ? "materialized view" : "view", v.qualified_name()));
    }
    for (const SchemaObject& o : m_source.objects) {
      note(fmt::format("{} {} not carried: {} definitions are not converted between dialects",
                       to_string(o.kind), o.qualified_name(), to_string(o.kind)));
    }
    for (const UnmodelledObject& u : m_source.unmodelled) {
      note(fmt::format("{} {} not carried: ferry does not model it", u.kind, u.name));
    }
    const auto granted = [](const Privileges& p) { return !p.owner.empty() || !p.grants.empty(); };
    bool privileges =
        std::any_of(m_source.schema_privileges.begin(), m_source.schema_privileges.end(),
                    [&](const auto& entry) { return granted(entry.second); });
    for (const Table& t : m_source.tables)
      privileges = privileges || granted(t.privileges);
    for (const Sequence& s : m_source.sequences)
      privileges = privileges || granted(s.privileges);
    for (const View& v : m_source.views)
      privileges = privileges || granted(v.privileges);
    for (const SchemaObject& o : m_source.objects)
      privileges = privileges || granted(o.privileges);
    if (privileges)
      note("owners and grants not carried: privileges are not converted between dialects");
  }

  const Catalog& m_source;
  Dialect m_target;
  Converted m_out;
  std::vector<std::string> m_errors;
  std::vector<const Table*> m_carried;
  std::set<std::pair<std::string, std::string>> m_carried_names;  // source (schema, table)
  std::set<ColumnKey> m_referenced;    // source columns that foreign keys reference
  std::set<std::string> m_enums_used;  // source enums (qualified) that carried columns use
  std::set<std::string> m_type_names;  // PostgreSQL: type names taken in "public"
  // By target table name: the source table's qualified name, its columns' source types.
  std::map<std::string, std::string> m_source_names;
  std::map<std::pair<std::string, std::string>, LogicalType> m_source_types;
};

}  // namespace

Converted convert_catalog(const Catalog& source, Dialect target) {
  if (source.dialect == target)
    return Converted{source, {}};
  return Converter(source, target).run();
}

}  // namespace ferry::schema
