// Internal to the MySQL connector: reading the SQL text the server keeps for stored routines,
// triggers, events and views (SHOW CREATE), just enough to compare it across databases and to
// make it again: the sql_mode it was read under, names of the database itself, calls, definers,
// the settings each object was made under and the order of a table's triggers.
#pragma once

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/schema/catalog.hpp"

namespace ferry::connectors::mysql {

// How an object's SQL text was parsed: its own sql_mode, as the server stored it with it.
struct SqlMode {
  bool ansi_quotes = false;       // "..." is an identifier
  bool backslash_escapes = true;  // '\'' is a quote inside a string
  explicit SqlMode(std::string_view sql_mode)
      : ansi_quotes(sql_mode.find("ANSI_QUOTES") != std::string_view::npos),
        backslash_escapes(sql_mode.find("NO_BACKSLASH_ESCAPES") == std::string_view::npos) {}
};

// Removes the database's own name where it qualifies an object of the database ("db.t",
// "`db`.`t`", "db.t.col"), so a body reads the same in every tenant database whatever its
// name; inside the database an unqualified name means the same object. "alias.column" where
// an alias happens to be spelt like the database is kept: the name after the dot must be one
// of `objects` (lowercase: tables, views, sequences, routines) or be followed by another dot.
std::string strip_own_database(std::string_view sql, const std::string& database,
                               const std::set<std::string>& objects, const SqlMode& mode);

// The lowercase names the text calls: a name followed by "(" or after CALL, not qualified by
// another database. Matched against the database's routines by the caller.
std::set<std::string> called_names(std::string_view sql, const SqlMode& mode);

// "CREATE DEFINER=`user`@`host` FUNCTION ..." -> "CREATE FUNCTION ...": the definer names an
// account of one server, and the statement run without it makes the connected user the
// definer, as the server printed before.
std::string strip_definer(std::string statement);

// Replaces the first `from` in the text before " DO " (an event's schedule), if any.
void replace_in_schedule(std::string& create_event, const std::string& from, const std::string& to);

// The session settings an object was made under, which SHOW CREATE prints beside it and the
// server keeps with it: how its text was read (sql_mode: ANSI_QUOTES, PIPES_AS_CONCAT,
// NO_BACKSLASH_ESCAPES, ...), the client's character set and the connection's collation (its
// string literals'), and for an event the time zone its schedule is in. They are part of the
// object's definition: made under other settings, the same text reads, and may run, otherwise.
struct MadeUnder {
  std::string sql_mode;
  std::string character_set_client;
  std::string collation_connection;
  std::optional<std::string> time_zone;  // events

  // Whether `statement`, as ferry reads it (UTF-8), means the same sent under
  // character_set_client: ASCII does in every client character set, the rest only in UTF-8.
  bool sendable(std::string_view statement) const {
    return character_set_client.starts_with("utf8") ||
           std::all_of(statement.begin(), statement.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  }

  // The statements that make the object: the session's own settings saved, the object's set,
  // its CREATE, the session's restored (the rest of a plan runs under ferry's sql_mode).
  std::vector<std::string> definition(std::string create) const;
};

// A trigger of a group (one table, timing and event), with the trigger its CREATE places it
// beside, if any: "FOR EACH ROW FOLLOWS other" or "PRECEDES other".
struct PlacedTrigger {
  schema::SchemaObject object;
  std::optional<std::string> relative_to;
  bool follows = false;
};

// The trigger a CREATE TRIGGER statement names after FOR EACH ROW with FOLLOWS or PRECEDES
// (`follows` says which), if any.
std::optional<std::string> placement(std::string_view create, const SqlMode& mode, bool& follows);

// Sets replace_key (the trigger before it) and the triggers in uses of each trigger of one
// group, given in ACTION_ORDER. Made one at a time in any order where each comes after what it
// uses, the triggers land in this order: a trigger made without FOLLOWS or PRECEDES goes last,
// so each trigger after it is made after it; one that FOLLOWS (PRECEDES) another goes right
// after (before) it, so that one is made first, and those between the two after it.
void trigger_order(std::vector<PlacedTrigger>& group);

}  // namespace ferry::connectors::mysql
