#include "ferry/common/node_layout.hpp"

#include <string>

#include "ferry/common/error.hpp"

namespace ferry::node {
namespace {

constexpr std::size_t k_max_release_name = 200;

const char* invalid_reason(std::string_view name) noexcept {
  if (name.empty())
    return "it is empty";
  if (name.size() > k_max_release_name)
    return "it is longer than 200 characters";
  for (const char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '+' || c == '-';
    if (!ok)
      return "it has a character outside A-Z a-z 0-9 . _ + -";
  }
  if (name.front() == '.')
    return "it starts with '.'";
  if (name.ends_with(partial_suffix))
    return "it ends in \".partial\", which marks a push being staged";
  return nullptr;
}

}  // namespace

bool is_valid_release_name(std::string_view name) noexcept {
  return invalid_reason(name) == nullptr;
}

void check_release_name(std::string_view name) {
  if (const char* reason = invalid_reason(name)) {
    std::string shown(name.substr(0, k_max_release_name));
    for (char& c : shown) {
      if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f')
        c = '?';
    }
    throw Error(ErrorKind::usage,
                "release name '" + shown + (name.size() > k_max_release_name ? "...' " : "' ") +
                    "is not valid (" + reason +
                    "); use 1-200 characters of A-Z a-z 0-9 . _ + -, not starting with '.'");
  }
}

std::size_t check_purge_keep(long long keep) {
  if (keep < 1) {
    throw Error(ErrorKind::usage, "release purge --keep must be at least 1, got " +
                                      std::to_string(keep) +
                                      " (the current and the previous release are always kept)");
  }
  return static_cast<std::size_t>(keep);
}

}  // namespace ferry::node
