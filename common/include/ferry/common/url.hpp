// The one URL parser behind database endpoints (postgres://, mysql://, sqlite:) and push
// targets (ssh://, local:), and the one rule for which parts of a URL are secret.
//
//   scheme://[user[:password]@]host[:port][/path][?key=value&...]   (host may be [IPv6])
//   scheme:path[?key=value&...]                                     (no authority)
//
// Every part is percent-decoded. Errors are Error(bad_endpoint) and quote the URL masked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry {

struct Url {
  std::string scheme;
  bool has_authority = false;  // "scheme://..." rather than "scheme:path"
  bool has_userinfo = false;   // an '@' in the authority, even with an empty user
  std::string user;
  std::optional<std::string> password;  // from "user:password@"
  std::string host;                     // without the brackets of an IPv6 address
  std::optional<std::uint16_t> port;
  std::string path;  // with its leading '/' when it has an authority
  std::vector<std::pair<std::string, std::string>> query;  // in the order given
};

// What kind of URL is being parsed, for error messages: "bad <what> '<url>': <why>", then
// `expected` (e.g. "(expected local:/abs/root or ssh://user@host[:port]/abs/root)") when set.
struct UrlKind {
  std::string_view what;
  std::string_view expected;
};

// Splits and decodes `text`. Throws Error(bad_endpoint) for a missing scheme, a bad
// percent-escape, a bad port (not a number, 0, over 65535), an unclosed '[', a query item
// without '='.
Url parse_url(std::string_view text, const UrlKind& kind);

// Throws Error(bad_endpoint) in the same form as parse_url's errors.
[[noreturn]] void fail_url(std::string_view text, const UrlKind& kind, std::string_view why);

// Whether a query parameter carries a secret: password, sslpassword, and any name holding
// "pass", "secret", "token" or "key" (case-insensitive), except sslkey, password_file and
// password_env, which say where a secret is.
bool is_secret_param(std::string_view name) noexcept;

// `text` with the password of "scheme://user:password@" and the value of every secret query
// parameter replaced by "***"; safe to quote even when `text` does not parse.
std::string mask_url(std::string_view text);

std::string percent_encode(std::string_view text);

// The contents of a secret file (a password_file), without trailing newlines. nullopt when it
// cannot be read or is a directory.
std::optional<std::string> read_secret_file(const std::string& path);

}  // namespace ferry
