#include "postgres/postgres_session.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <array>
#include <map>

#include "common/sql_text.hpp"
#include "ferry/common/process.hpp"

namespace ferry::connectors::postgres {
namespace {

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// libpq reports connection failures as text only (no SQLSTATE reaches the client before the
// session exists), so the kind is read from the server's and libpq's stable wording.
ErrorKind classify_connect_failure(std::string_view message) {
  if (contains(message, "password authentication failed") ||
      contains(message, "no password supplied") ||
      contains(message, "authentication failed for user") ||
      contains(message, "no pg_hba.conf entry") ||
      (contains(message, "role \"") && contains(message, "\" does not exist"))) {
    return ErrorKind::auth_failed;
  }
  if (contains(message, "database \"") && contains(message, "\" does not exist")) {
    return ErrorKind::database_missing;
  }
  if (contains(message, "Connection refused") || contains(message, "timeout expired") ||
      contains(message, "could not translate host name") || contains(message, "No route to host") ||
      contains(message, "Network is unreachable") || contains(message, "Connection timed out") ||
      contains(message, "could not connect to") ||
      contains(message, "server closed the connection unexpectedly") ||
      contains(message, "the database system is starting up") ||
      contains(message, "the database system is shutting down") ||
      contains(message, "too many clients")) {
    return ErrorKind::unreachable;
  }
  if (contains(message, "invalid connection option") || contains(message, "invalid sslmode") ||
      contains(message, "invalid integer value") || contains(message, "invalid value for")) {
    return ErrorKind::bad_endpoint;
  }
  return ErrorKind::failure;
}

// Settings every reader of this session relies on: rows are canonicalized from the text the
// server prints, so its formats are pinned here instead of trusting the server's defaults.
// jit off: ferry's catalog queries carry subplans whose estimated cost passes jit_above_cost,
// and compiling them took 350 ms of a 380 ms catalog read of 200 tables; its scans are
// dominated by hashing and output, where JIT gains nothing either.
constexpr std::string_view k_session_setup =
    "SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; SET IntervalStyle = 'postgres'; "
    "SET extra_float_digits = 3; SET bytea_output = 'hex'; "
    "SET standard_conforming_strings = on; SET jit = off";

}  // namespace

void ResultDeleter::operator()(pg_result* result) const noexcept {
  PQclear(result);
}

std::string one_line(std::string_view message) {
  while (!message.empty() &&
         (message.back() == '\n' || message.back() == ' ' || message.back() == '\t')) {
    message.remove_suffix(1);
  }
  std::string out;
  out.reserve(message.size());
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\n') {
      out += "; ";
      while (i + 1 < message.size() && (message[i + 1] == ' ' || message[i + 1] == '\t'))
        ++i;
    } else {
      out += message[i];
    }
  }
  return out;
}

std::string quote(std::string_view identifier) {
  return quote_with('"', identifier);
}

std::string qualified_name(const schema::Table& table) {
  return quote(table.schema) + "." + quote(table.name);
}

Session::Session(const Endpoint& endpoint) : m_endpoint(endpoint) {
  // Keyword parameters, never a conninfo string: nothing here can be logged whole, and a
  // database name containing '=' or a URL is not reinterpreted (expand_dbname = 0).
  std::map<std::string, std::string> settings(endpoint.params.begin(), endpoint.params.end());
  settings.try_emplace("application_name", process_label().substr(0, 63));
  settings["client_encoding"] = "UTF8";
  settings["connect_timeout"] = std::to_string(endpoint.connect_timeout.count());
  settings["host"] = endpoint.host;
  if (endpoint.port)
    settings["port"] = std::to_string(*endpoint.port);
  if (!endpoint.user.empty())
    settings["user"] = endpoint.user;
  if (!endpoint.password.empty())
    settings["password"] = endpoint.password.reveal();
  settings["dbname"] = endpoint.database;

  std::vector<const char*> keywords;
  std::vector<const char*> values;
  for (const auto& [key, value] : settings) {
    keywords.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);

  m_conn = PQconnectdbParams(keywords.data(), values.data(), 0);
  if (m_conn == nullptr) {
    throw Error(ErrorKind::failure,
                "cannot connect to " + endpoint.redacted() + ": libpq is out of memory");
  }
  if (PQstatus(m_conn) != CONNECTION_OK) {
    const std::string message = one_line(PQerrorMessage(m_conn));
    PQfinish(m_conn);
    m_conn = nullptr;
    const ErrorKind kind = classify_connect_failure(message);
    throw Error(kind, endpoint.scrub(connect_failure(endpoint, kind, message)),
                kind == ErrorKind::unreachable);
  }
  // Server notices (e.g. "... does not exist, skipping") are for the debug log, not stderr.
  PQsetNoticeProcessor(
      m_conn, [](void*, const char* message) { spdlog::debug("postgres: {}", one_line(message)); },
      nullptr);
  try {
    exec(k_session_setup, "session setup");
  } catch (...) {
    PQfinish(m_conn);
    m_conn = nullptr;
    throw;
  }
}

Session::~Session() {
  if (m_conn != nullptr)
    PQfinish(m_conn);
}

Error Session::error(std::string_view what, const pg_result* result) const {
  std::string message;
  const char* sqlstate = nullptr;
  if (result != nullptr) {
    sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    if (const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)) {
      message = primary;
      if (sqlstate != nullptr)
        message += std::string(" (SQLSTATE ") + sqlstate + ")";
      constexpr std::array<std::pair<int, const char*>, 3> k_extras{{
          {PG_DIAG_MESSAGE_DETAIL, "; detail: "},
          {PG_DIAG_MESSAGE_HINT, "; hint: "},
          {PG_DIAG_CONTEXT, "; context: "},
      }};
      for (const auto& [field, label] : k_extras) {
        if (const char* text = PQresultErrorField(result, field))
          message += label + one_line(text);
      }
    } else {
      message = one_line(PQresultErrorMessage(result));
    }
  }
  if (message.empty())
    message = one_line(PQerrorMessage(m_conn));
  if (message.empty())
    message = "unexpected result from the server";
  const std::string_view state = sqlstate == nullptr ? std::string_view{} : sqlstate;
  const bool retryable = PQstatus(m_conn) == CONNECTION_BAD || state.starts_with("08") ||
                         state == "40001" || state == "40P01";
  return Error(ErrorKind::failure,
               m_endpoint.scrub("postgres " + m_endpoint.redacted() + ": " + std::string(what) +
                                ": " + message),
               retryable);
}

Result Session::exec(std::string_view sql, std::string_view what) {
  Result result(PQexec(m_conn, std::string(sql).c_str()));
  if (!result)
    throw error(what, nullptr);
  switch (PQresultStatus(result.get())) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
      return result;
    default:
      throw error(what, result.get());
  }
}

std::vector<TextRow> Session::query(std::string_view sql, std::string_view what) {
  const Result result = exec(sql, what);
  const int rows = PQntuples(result.get());
  const int columns = PQnfields(result.get());
  std::vector<TextRow> out;
  out.reserve(static_cast<std::size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    TextRow row;
    row.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(result.get(), r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(PQgetvalue(result.get(), r, c),
                                     static_cast<std::size_t>(PQgetlength(result.get(), r, c))));
      }
    }
    out.push_back(std::move(row));
  }
  return out;
}

void Session::exec_quietly(std::string_view sql) noexcept {
  try {
    Result result(PQexec(m_conn, std::string(sql).c_str()));
  } catch (...) {
    // Only std::string can throw here (out of memory); a cleanup path has nothing to add.
  }
}

}  // namespace ferry::connectors::postgres
