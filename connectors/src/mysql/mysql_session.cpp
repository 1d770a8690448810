#include "mysql/mysql_session.hpp"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <set>

#include "common/sql_text.hpp"
#include "ferry/common/error.hpp"

namespace ferry::connectors::mysql {
namespace {

// Set when exit() begins. The driver is a static of the connector library and is destroyed
// during exit, before oneTBB's finalizer joins its worker threads; a worker's thread_local
// ThreadAttachment must then not touch the driver (that crashed ferry at exit, SIGSEGV).
std::atomic<bool> g_exiting{false};

sql::mysql::MySQL_Driver& driver() {
  // The first call initializes the client library, which is not thread-safe; a function-local
  // static makes that happen exactly once. The atexit handler, registered after the driver
  // library's statics exist, runs before they are destroyed.
  static sql::mysql::MySQL_Driver* const instance = [] {
    sql::mysql::MySQL_Driver* d = sql::mysql::get_mysql_driver_instance();
    std::atexit([] { g_exiting = true; });
    return d;
  }();
  return *instance;
}

// Client error codes (errmsg.h) and server error codes (mysqld_error.h) that classify a
// failed connect.
constexpr int k_er_dbaccess_denied = 1044;
constexpr int k_er_access_denied = 1045;
constexpr int k_er_bad_db = 1049;
constexpr int k_cr_connection_error = 2002;
constexpr int k_cr_conn_host_error = 2003;
constexpr int k_cr_unknown_host = 2005;
constexpr int k_cr_server_gone = 2006;
constexpr int k_cr_server_lost = 2013;
constexpr int k_er_lock_wait_timeout = 1205;
constexpr int k_er_lock_deadlock = 1213;

bool connection_lost(int code) {
  return code == k_cr_connection_error || code == k_cr_conn_host_error ||
         code == k_cr_unknown_host || code == k_cr_server_gone || code == k_cr_server_lost;
}

// Options ferry understands in a mysql:// URL's query string, besides connect_timeout and the
// password sources that parse_endpoint() consumes.
const std::set<std::string, std::less<>> k_known_params = {"socket", "read_timeout", "ssl_ca",
                                                           "ssl_cert", "ssl_key"};

int positive_seconds(const Endpoint& endpoint, const std::string& key, const std::string& value) {
  int seconds = 0;
  const auto r = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (r.ec != std::errc() || r.ptr != value.data() + value.size() || seconds <= 0) {
    throw Error(ErrorKind::bad_endpoint,
                endpoint.redacted() + ": " + key + " must be a positive whole number of seconds");
  }
  return seconds;
}

sql::ConnectOptionsMap connect_options(const Endpoint& endpoint) {
  for (const auto& [key, value] : endpoint.params) {
    if (!k_known_params.contains(key)) {
      throw Error(ErrorKind::bad_endpoint,
                  endpoint.redacted() + ": unknown parameter '" + key +
                      "' for mysql:// (known: socket, read_timeout, ssl_ca, ssl_cert, ssl_key, "
                      "connect_timeout, password_file, password_env)");
    }
  }
  sql::ConnectOptionsMap options;
  if (const auto socket = endpoint.params.find("socket"); socket != endpoint.params.end()) {
    options["hostName"] = sql::SQLString("unix://" + socket->second);
  } else {
    const std::string host = endpoint.host.empty() ? "127.0.0.1" : endpoint.host;
    options["hostName"] =
        sql::SQLString("tcp://" + host + ":" + std::to_string(endpoint.port.value_or(3306)));
  }
  options["userName"] = sql::SQLString(endpoint.user);
  options["password"] = sql::SQLString(endpoint.password.reveal());
  if (!endpoint.database.empty())
    options["schema"] = sql::SQLString(endpoint.database);
  options["OPT_CONNECT_TIMEOUT"] = static_cast<int>(endpoint.connect_timeout.count());
  // No read timeout by default: a long ALTER TABLE or a big sort is not a dead server.
  if (const auto t = endpoint.params.find("read_timeout"); t != endpoint.params.end()) {
    options["OPT_READ_TIMEOUT"] = positive_seconds(endpoint, t->first, t->second);
  }
  for (const auto& [param, option] :
       {std::pair{"ssl_ca", "sslCA"}, std::pair{"ssl_cert", "sslCert"},
        std::pair{"ssl_key", "sslKey"}}) {
    if (const auto it = endpoint.params.find(param); it != endpoint.params.end()) {
      options[option] = sql::SQLString(it->second);
    }
  }
  options["OPT_CHARSET_NAME"] = "utf8mb4";
  // A silent reconnect would lose the session settings and any open transaction.
  options["OPT_RECONNECT"] = false;
  return options;
}

// The server's sql_mode plus STRICT_ALL_TABLES, minus NO_BACKSLASH_ESCAPES (our literals
// escape with backslashes, so the mode must be known rather than inherited).
std::string session_sql_mode(std::string_view server_mode) {
  std::string out;
  bool strict = false;
  while (!server_mode.empty()) {
    const auto comma = server_mode.find(',');
    const std::string_view mode = server_mode.substr(0, comma);
    server_mode.remove_prefix(comma == std::string_view::npos ? server_mode.size() : comma + 1);
    if (mode.empty() || mode == "NO_BACKSLASH_ESCAPES")
      continue;
    if (mode == "STRICT_ALL_TABLES")
      strict = true;
    if (!out.empty())
      out += ',';
    out.append(mode);
  }
  if (!strict)
    out += out.empty() ? "STRICT_ALL_TABLES" : ",STRICT_ALL_TABLES";
  return out;
}

}  // namespace

void attach_thread() {
  struct ThreadAttachment {
    ThreadAttachment() { driver().threadInit(); }
    ~ThreadAttachment() {
      if (!g_exiting)
        driver().threadEnd();
    }
  };
  thread_local ThreadAttachment attachment;
}

Session::Session(const Endpoint& endpoint) : m_endpoint(endpoint) {
  sql::ConnectOptionsMap options = connect_options(endpoint);
  attach_thread();
  try {
    m_connection.reset(driver().connect(options));
  } catch (const sql::SQLException& e) {
    const int code = e.getErrorCode();
    ErrorKind kind = ErrorKind::failure;
    if (code == k_er_access_denied || code == k_er_dbaccess_denied)
      kind = ErrorKind::auth_failed;
    if (code == k_er_bad_db)
      kind = ErrorKind::database_missing;
    if (connection_lost(code))
      kind = ErrorKind::unreachable;
    throw Error(kind, endpoint.scrub(connect_failure(endpoint, kind, e.what())),
                kind == ErrorKind::unreachable);
  }
  try {
    const std::vector<TextRow> info =
        query("SELECT VERSION(), @@SESSION.sql_mode, @@max_allowed_packet");
    m_server.version = info.at(0).at(0).value_or("");
    m_server.mariadb = m_server.version.find("MariaDB") != std::string::npos;
    const std::string packet = info.at(0).at(2).value_or("0");
    std::from_chars(packet.data(), packet.data() + packet.size(), m_server.max_allowed_packet);
    exec("SET NAMES utf8mb4");
    // net_write_timeout bounds how long the server waits for us to take rows off a streamed
    // result; a consumer busy with a batch (or a slow target) must not abort the read.
    exec("SET SESSION time_zone = '+00:00', SESSION sql_mode = " +
         string_literal(session_sql_mode(info.at(0).at(1).value_or(""))) +
         ", SESSION net_write_timeout = 3600");
  } catch (const Error& e) {
    throw Error(e.kind(), "cannot set up the session: " + std::string(e.what()), e.retryable());
  }
}

Session::~Session() = default;

void Session::exec(std::string_view sql) {
  attach_thread();
  try {
    std::unique_ptr<sql::Statement> statement(m_connection->createStatement());
    statement->execute(sql::SQLString(std::string(sql)));
  } catch (...) {
    rethrow("statement failed: " + abbreviate(sql));
  }
}

std::vector<TextRow> Session::query(std::string_view sql) {
  attach_thread();
  std::vector<TextRow> rows;
  try {
    std::unique_ptr<sql::Statement> statement(m_connection->createStatement());
    if (!statement->execute(sql::SQLString(std::string(sql))))
      return rows;
    std::unique_ptr<sql::ResultSet> result(statement->getResultSet());
    const auto columns = result->getMetaData()->getColumnCount();
    while (result->next()) {
      TextRow& row = rows.emplace_back();
      row.reserve(columns);
      for (unsigned int i = 1; i <= columns; ++i) {
        sql::SQLString value = result->getString(i);
        if (result->wasNull()) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(value.asStdString());
        }
      }
    }
  } catch (...) {
    rethrow("query failed: " + abbreviate(sql));
  }
  return rows;
}

std::unique_ptr<sql::Statement> Session::streaming_statement() {
  attach_thread();
  std::unique_ptr<sql::Statement> statement(m_connection->createStatement());
  statement->setResultSetType(sql::ResultSet::TYPE_FORWARD_ONLY);
  return statement;
}

void Session::rethrow(std::string_view context) const {
  const std::string where = std::string(context) + " on " + m_endpoint.redacted() + ": ";
  try {
    throw;
  } catch (const Error& e) {
    throw Error(e.kind(), m_endpoint.scrub(where + e.what()), e.retryable());
  } catch (const sql::SQLException& e) {
    const int code = e.getErrorCode();
    const bool retryable =
        connection_lost(code) || code == k_er_lock_deadlock || code == k_er_lock_wait_timeout;
    throw Error(ErrorKind::failure,
                m_endpoint.scrub(where + e.what() + " [MySQL error " + std::to_string(code) + "]"),
                retryable);
  } catch (const std::exception& e) {
    throw Error(ErrorKind::failure, m_endpoint.scrub(where + e.what()));
  }
}

std::string string_literal(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  for (const char c : text) {
    switch (c) {
      case '\0':
        out += "\\0";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\x1a':
        out += "\\Z";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      default:
        out += c;
    }
  }
  out += '\'';
  return out;
}

std::string abbreviate(std::string_view text) {
  constexpr std::size_t k_max = 200;
  if (text.size() <= k_max)
    return std::string(text);
  return std::string(text.substr(0, k_max)) + "...";
}

}  // namespace ferry::connectors::mysql
