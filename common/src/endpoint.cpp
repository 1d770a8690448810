#include "ferry/common/endpoint.hpp"

#include <charconv>
#include <cstdlib>

#include "ferry/common/error.hpp"
#include "ferry/common/url.hpp"

namespace ferry {
namespace {

constexpr std::string_view k_mask = "***";
constexpr UrlKind k_endpoint{"endpoint", ""};

[[noreturn]] void fail(std::string_view url, std::string_view what) {
  fail_url(url, k_endpoint, what);
}

// Query parameters: the password sources are consumed here, the rest are the driver's.
void take_params(std::string_view text, Url& url, Endpoint& ep) {
  for (auto& [key, value] : url.query) {
    if (key == "password") {
      ep.password = Secret(std::move(value));
    } else if (key == "password_file") {
      std::optional<std::string> secret = read_secret_file(value);
      if (!secret)
        fail(text, "cannot read password_file '" + value + "'");
      ep.password = Secret(std::move(*secret));
    } else if (key == "password_env") {
      const char* env = std::getenv(value.c_str());
      if (env == nullptr)
        fail(text, "password_env names '" + value + "', which is not set");
      ep.password = Secret(env);
    } else if (key == "connect_timeout") {
      int seconds = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
      if (ec != std::errc() || end != value.data() + value.size())
        fail(text, "connect_timeout must be a whole number of seconds");
      if (seconds <= 0)
        fail(text, "connect_timeout must be positive");
      ep.connect_timeout = std::chrono::seconds(seconds);
    } else {
      ep.params[std::move(key)] = std::move(value);
    }
  }
}

Endpoint parse_sqlite(std::string_view text, Url& url) {
  Endpoint ep;
  ep.dialect = Dialect::sqlite;
  if (url.has_authority) {
    // sqlite:///abs/path: an empty authority and an absolute path.
    if (!url.host.empty() || !url.user.empty() || url.port || !url.path.starts_with('/'))
      fail(text, "expected sqlite:///absolute/path or sqlite:relative/path");
  }
  if (url.path.empty())
    fail(text, "missing SQLite file path");
  ep.database = std::move(url.path);
  take_params(text, url, ep);
  return ep;
}

Endpoint parse_server(std::string_view text, Dialect dialect, Url& url) {
  Endpoint ep;
  ep.dialect = dialect;
  if (!url.has_authority)
    fail(text, "expected scheme://user@host/database");
  ep.user = std::move(url.user);
  if (url.password)
    ep.password = Secret(std::move(*url.password));
  ep.host = std::move(url.host);
  ep.port = url.port;
  if (ep.host.empty())
    fail(text, "missing host");
  if (url.path.size() < 2)
    fail(text, "missing database name");
  ep.database = url.path.substr(1);
  take_params(text, url, ep);
  return ep;
}

}  // namespace

const char* to_string(Dialect dialect) noexcept {
  switch (dialect) {
    case Dialect::postgres:
      return "postgres";
    case Dialect::mysql:
      return "mysql";
    case Dialect::sqlite:
      return "sqlite";
  }
  return "unknown";
}

std::optional<Dialect> dialect_from_string(std::string_view name) noexcept {
  for (Dialect d : {Dialect::postgres, Dialect::mysql, Dialect::sqlite}) {
    if (name == to_string(d))
      return d;
  }
  return std::nullopt;
}

Endpoint parse_endpoint(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    fail(text,
         "expected a URL such as postgres://user@host/db, mysql://user@host/db or sqlite:path.db");
  }
  const std::string_view scheme = text.substr(0, colon);
  const bool server =
      scheme == "postgres" || scheme == "postgresql" || scheme == "mysql" || scheme == "mariadb";
  if (!server && scheme != "sqlite")
    fail(text, "unknown scheme '" + std::string(scheme) + "' (use postgres, mysql or sqlite)");
  Url url = parse_url(text, k_endpoint);
  if (scheme == "sqlite")
    return parse_sqlite(text, url);
  return parse_server(text, scheme.starts_with("postgres") ? Dialect::postgres : Dialect::mysql,
                      url);
}

std::string Endpoint::redacted() const {
  std::string out = to_string(dialect);
  if (dialect == Dialect::sqlite) {
    out += ':';
    out += database.starts_with('/') ? "//" + database : database;
  } else {
    out += "://";
    if (!user.empty()) {
      out += percent_encode(user);
      if (!password.empty()) {
        out += ':';
        out += k_mask;
      }
      out += '@';
    }
    out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port)
      out += ':' + std::to_string(*port);
    out += '/' + percent_encode(database);
  }
  char sep = '?';
  for (const auto& [key, value] : params) {
    out += sep + key + '=' + (is_secret_param(key) ? std::string(k_mask) : value);
    sep = '&';
  }
  return out;
}

std::string Endpoint::scrub(std::string_view text) const {
  std::string out(text);
  const auto mask = [&out](const std::string& secret) {
    if (secret.empty())
      return;
    for (const std::string& needle : {secret, percent_encode(secret)}) {
      std::size_t pos = 0;
      while ((pos = out.find(needle, pos)) != std::string::npos) {
        out.replace(pos, needle.size(), k_mask);
        pos += k_mask.size();
      }
    }
  };
  mask(password.reveal());
  for (const auto& [key, value] : params) {
    if (is_secret_param(key))
      mask(value);
  }
  return out;
}

}  // namespace ferry
