// Endpoints: where a database lives and how to log in (README.md, "Endpoints").
//
//   postgres://user[:password]@host[:port]/db[?param=value&...]   (also postgresql://)
//   mysql://user[:password]@host[:port]/db[?...]                 (also mariadb://)
//   sqlite:///abs/path.db    sqlite:relative.db
//
// The password comes from the URL (user:password@ or ?password=), from ?password_file=PATH
// (Docker/Kubernetes secrets) or from ?password_env=VAR. It is held in a Secret and only ever
// printed as "***", as are the values of the other secret parameters (is_secret_param() in
// url.hpp: sslpassword, anything named like a pass, secret, token or key but sslkey).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ferry {

enum class Dialect { postgres, mysql, sqlite };

const char* to_string(Dialect dialect) noexcept;
// The dialect to_string() names ("postgres", "mysql", "sqlite"); nullopt for any other name
// (URL schemes such as "postgresql" or "mariadb" are parse_endpoint's).
std::optional<Dialect> dialect_from_string(std::string_view name) noexcept;

// A string that must never be printed. There is deliberately no stream operator.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : m_value(std::move(value)) {}
  const std::string& reveal() const noexcept { return m_value; }
  bool empty() const noexcept { return m_value.empty(); }

 private:
  std::string m_value;
};

struct Endpoint {
  Dialect dialect = Dialect::sqlite;
  std::string user;
  Secret password;
  std::string host;
  std::optional<std::uint16_t> port;
  // Database name; for SQLite the file path as written (absolute or relative).
  std::string database;
  // Query parameters other than the password sources, passed on to the driver
  // (e.g. sslmode=require) or understood by ferry (connect_timeout=SECONDS, mode=rwc).
  std::map<std::string, std::string> params;
  std::chrono::seconds connect_timeout{10};

  // The URL with the password and secret parameters replaced by "***"; safe for logs,
  // errors and reports.
  std::string redacted() const;
  // `text` with every occurrence of the password and of a secret parameter's value replaced
  // by "***". Drivers sometimes echo connection strings; every message that leaves a
  // connector passes through this.
  std::string scrub(std::string_view text) const;
};

// Parses a URL. Throws Error(bad_endpoint) naming the URL (redacted) and what is wrong.
// Reads password_file / password_env at parse time so a missing secret fails early.
Endpoint parse_endpoint(std::string_view url);

}  // namespace ferry
