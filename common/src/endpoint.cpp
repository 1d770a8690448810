#include "ferry/common/endpoint.hpp"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "ferry/common/error.hpp"

namespace ferry {
namespace {

constexpr std::string_view k_mask = "***";

// Masks whatever sits between "scheme://user:" and "@" so that even an unparsable URL can be
// quoted in an error message.
std::string mask_raw_url(std::string_view url) {
  std::string out(url);
  const auto scheme_end = out.find("://");
  if (scheme_end == std::string::npos)
    return out;
  const auto authority_start = scheme_end + 3;
  const auto authority_end = out.find_first_of("/?#", authority_start);
  const auto at = out.rfind('@', authority_end == std::string::npos ? out.size() : authority_end);
  if (at == std::string::npos || at < authority_start)
    return out;
  const auto colon = out.find(':', authority_start);
  if (colon == std::string::npos || colon > at)
    return out;
  out.replace(colon + 1, at - colon - 1, k_mask);
  return out;
}

[[noreturn]] void fail(std::string_view url, std::string_view what) {
  throw Error(ErrorKind::bad_endpoint,
              "bad endpoint '" + mask_raw_url(url) + "': " + std::string(what));
}

std::string percent_decode(std::string_view url, std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size() || !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      fail(url, "invalid percent-escape");
    }
    out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
    i += 2;
  }
  return out;
}

std::string percent_encode(std::string_view in) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 15];
    }
  }
  return out;
}

std::string read_password_file(std::string_view url, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail(url, "cannot read password_file '" + path + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string value = buffer.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r'))
    value.pop_back();
  return value;
}

void parse_query(std::string_view url, std::string_view query, Endpoint& ep) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (item.empty())
      continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos)
      fail(url, "query parameter without '=': " + std::string(item));
    std::string key = percent_decode(url, item.substr(0, eq));
    std::string value = percent_decode(url, item.substr(eq + 1));
    if (key == "password_file") {
      ep.password = Secret(read_password_file(url, value));
    } else if (key == "password_env") {
      const char* env = std::getenv(value.c_str());
      if (env == nullptr)
        fail(url, "password_env names '" + value + "', which is not set");
      ep.password = Secret(env);
    } else if (key == "connect_timeout") {
      int seconds = 0;
      try {
        seconds = std::stoi(value);
      } catch (const std::exception&) {
        fail(url, "connect_timeout must be a whole number of seconds");
      }
      if (seconds <= 0)
        fail(url, "connect_timeout must be positive");
      ep.connect_timeout = std::chrono::seconds(seconds);
    } else {
      ep.params[std::move(key)] = std::move(value);
    }
  }
}

Endpoint parse_sqlite(std::string_view url, std::string_view rest) {
  Endpoint ep;
  ep.dialect = Dialect::sqlite;
  const auto q = rest.find('?');
  std::string_view path = rest.substr(0, q);
  if (path.starts_with("//")) {
    path.remove_prefix(2);
    // sqlite:///abs/path: empty authority, absolute path.
    if (!path.starts_with('/'))
      fail(url, "expected sqlite:///absolute/path or sqlite:relative/path");
  }
  if (path.empty())
    fail(url, "missing SQLite file path");
  ep.database = percent_decode(url, path);
  if (q != std::string_view::npos)
    parse_query(url, rest.substr(q + 1), ep);
  return ep;
}

Endpoint parse_server(std::string_view url, Dialect dialect, std::string_view rest) {
  Endpoint ep;
  ep.dialect = dialect;
  if (!rest.starts_with("//"))
    fail(url, "expected scheme://user@host/database");
  rest.remove_prefix(2);
  const auto authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);

  const auto at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    ep.user = percent_decode(url, userinfo.substr(0, colon));
    if (colon != std::string_view::npos) {
      ep.password = Secret(percent_decode(url, userinfo.substr(colon + 1)));
    }
  }
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos)
      fail(url, "unterminated IPv6 address");
    ep.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':'))
        fail(url, "unexpected text after IPv6 address");
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    ep.host = percent_decode(url, authority.substr(0, colon));
    if (colon != std::string_view::npos)
      port_text = authority.substr(colon + 1);
  }
  if (ep.host.empty())
    fail(url, "missing host");
  if (!port_text.empty()) {
    unsigned long port = 0;
    for (char c : port_text) {
      if (!std::isdigit(static_cast<unsigned char>(c)))
        fail(url, "port is not a number");
      port = port * 10 + static_cast<unsigned long>(c - '0');
      if (port > 65535)
        fail(url, "port out of range");
    }
    if (port == 0)
      fail(url, "port out of range");
    ep.port = static_cast<std::uint16_t>(port);
  }
  if (!tail.starts_with('/'))
    fail(url, "missing database name");
  tail.remove_prefix(1);
  const auto q = tail.find('?');
  ep.database = percent_decode(url, tail.substr(0, q));
  if (ep.database.empty())
    fail(url, "missing database name");
  if (q != std::string_view::npos)
    parse_query(url, tail.substr(q + 1), ep);
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

Endpoint parse_endpoint(std::string_view url) {
  const auto colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    fail(url,
         "expected a URL such as postgres://user@host/db, mysql://user@host/db or sqlite:path.db");
  }
  const std::string_view scheme = url.substr(0, colon);
  const std::string_view rest = url.substr(colon + 1);
  if (scheme == "postgres" || scheme == "postgresql")
    return parse_server(url, Dialect::postgres, rest);
  if (scheme == "mysql" || scheme == "mariadb")
    return parse_server(url, Dialect::mysql, rest);
  if (scheme == "sqlite")
    return parse_sqlite(url, rest);
  fail(url, "unknown scheme '" + std::string(scheme) + "' (use postgres, mysql or sqlite)");
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
    out += sep + key + '=' + value;
    sep = '&';
  }
  return out;
}

std::string Endpoint::scrub(std::string_view text) const {
  std::string out(text);
  const std::string& secret = password.reveal();
  if (secret.empty())
    return out;
  for (const std::string& needle : {secret, percent_encode(secret)}) {
    std::size_t pos = 0;
    while ((pos = out.find(needle, pos)) != std::string::npos) {
      out.replace(pos, needle.size(), k_mask);
      pos += k_mask.size();
    }
  }
  return out;
}

}  // namespace ferry
