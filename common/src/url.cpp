#include "ferry/common/url.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ferry/common/error.hpp"
#include "ferry/common/hash128.hpp"

namespace ferry {
namespace {

constexpr std::string_view k_mask = "***";

std::string decode(std::string_view text, const UrlKind& kind, std::string_view part) {
  std::string out;
  out.reserve(part.size());
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (part[i] != '%') {
      out += part[i];
      continue;
    }
    const bool whole = i + 2 < part.size();
    const int high = whole ? hex_digit_value(part[i + 1]) : -1;
    const int low = whole ? hex_digit_value(part[i + 2]) : -1;
    if (high < 0 || low < 0)
      fail_url(text, kind, "invalid percent-escape");
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

void parse_query(std::string_view text, const UrlKind& kind, std::string_view query, Url& url) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (item.empty())
      continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos)
      fail_url(text, kind, "a query parameter without '='");
    url.query.emplace_back(decode(text, kind, item.substr(0, eq)),
                           decode(text, kind, item.substr(eq + 1)));
  }
}

std::uint16_t parse_port(std::string_view text, const UrlKind& kind, std::string_view digits) {
  unsigned long port = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      fail_url(text, kind, "port is not a number");
    port = port * 10 + static_cast<unsigned long>(c - '0');
    if (port > 65535)
      fail_url(text, kind, "port out of range");
  }
  if (port == 0)
    fail_url(text, kind, "port out of range");
  return static_cast<std::uint16_t>(port);
}

void parse_authority(std::string_view text, const UrlKind& kind, std::string_view authority,
                     Url& url) {
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    url.has_userinfo = true;
    const auto colon = userinfo.find(':');
    url.user = decode(text, kind, userinfo.substr(0, colon));
    if (colon != std::string_view::npos)
      url.password = decode(text, kind, userinfo.substr(colon + 1));
  }
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos)
      fail_url(text, kind, "unclosed '[' in the host");
    url.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':'))
        fail_url(text, kind, "unexpected text after the host");
      port = after.substr(1);
      if (port.empty())
        fail_url(text, kind, "port is not a number");
    }
  } else {
    const auto colon = authority.find(':');
    if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos)
      fail_url(text, kind, "an IPv6 host goes in brackets, e.g. [::1]:5432");
    url.host = decode(text, kind, authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty())
        fail_url(text, kind, "port is not a number");
    }
  }
  if (!port.empty())
    url.port = parse_port(text, kind, port);
}

// A parameter name as a server would read it: percent-escapes decoded where they are valid.
std::string loose_decode(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const int high = i + 2 < name.size() ? hex_digit_value(name[i + 1]) : -1;
    const int low = i + 2 < name.size() ? hex_digit_value(name[i + 2]) : -1;
    if (name[i] == '%' && high >= 0 && low >= 0) {
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += name[i] == '+' ? ' ' : name[i];
    }
  }
  return out;
}

// Replaces the value of every secret parameter in "k=v&k=v" with the mask. A value ends only
// at '&', so that whatever follows a secret (a '#', say) stays masked.
void mask_query(std::string& out, std::size_t start) {
  std::size_t pos = start;
  while (pos < out.size()) {
    std::size_t end = out.find('&', pos);
    if (end == std::string::npos)
      end = out.size();
    const std::size_t eq = out.find('=', pos);
    if (eq != std::string::npos && eq < end) {
      const std::string name = loose_decode(std::string_view(out).substr(pos, eq - pos));
      if (is_secret_param(name) && end > eq + 1) {
        out.replace(eq + 1, end - eq - 1, k_mask);
        end = eq + 1 + k_mask.size();
      }
    }
    pos = end + 1;
  }
}

}  // namespace

void fail_url(std::string_view text, const UrlKind& kind, std::string_view why) {
  std::string message = "bad " + std::string(kind.what) + " '" + mask_url(text) + "': ";
  message += why;
  if (!kind.expected.empty())
    message += " " + std::string(kind.expected);
  throw Error(ErrorKind::bad_endpoint, message);
}

Url parse_url(std::string_view text, const UrlKind& kind) {
  Url url;
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0)
    fail_url(text, kind, "no scheme");
  url.scheme = std::string(text.substr(0, colon));
  std::string_view rest = text.substr(colon + 1);
  const auto q = rest.find('?');
  if (q != std::string_view::npos) {
    parse_query(text, kind, rest.substr(q + 1), url);
    rest = rest.substr(0, q);
  }
  if (rest.starts_with("//")) {
    url.has_authority = true;
    rest.remove_prefix(2);
    const auto slash = rest.find('/');
    parse_authority(text, kind, rest.substr(0, slash), url);
    if (slash != std::string_view::npos)
      url.path = decode(text, kind, rest.substr(slash));
  } else {
    url.path = decode(text, kind, rest);
  }
  return url;
}

bool is_secret_param(std::string_view name) noexcept {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // Paths and names that say where a secret is, not the secret.
  if (lower == "sslkey" || lower == "password_file" || lower == "password_env")
    return false;
  for (const std::string_view word : {"pass", "secret", "token", "key"}) {
    if (lower.find(word) != std::string::npos)
      return true;
  }
  return false;
}

// Masks more than a parser would find rather than less: a password may hold '/', '?', '#' or
// '@' unescaped, so the user info runs from the first ':' after "://" to the last '@', and the
// query starts at the first '?' after that.
std::string mask_url(std::string_view text) {
  std::string out(text);
  std::size_t after_userinfo = 0;
  if (const auto scheme_end = out.find("://"); scheme_end != std::string::npos) {
    const auto authority_start = scheme_end + 3;
    const auto at = out.rfind('@');
    const auto colon = out.find(':', authority_start);
    if (at != std::string::npos && at > authority_start && colon != std::string::npos &&
        colon < at) {
      out.replace(colon + 1, at - colon - 1, k_mask);
      after_userinfo = colon + 1 + k_mask.size();
    }
  }
  if (const std::size_t query = out.find('?', after_userinfo); query != std::string::npos)
    mask_query(out, query + 1);
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
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

std::optional<std::string> read_secret_file(const std::string& path) {
  std::error_code ec;
  // A folder opens but reads as nothing: an error, not an empty password.
  if (std::filesystem::is_directory(path, ec))
    return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string value = buffer.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r'))
    value.pop_back();
  return value;
}

}  // namespace ferry
