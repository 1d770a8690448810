// The one 128-bit hash value and the one hex encoder of the project.
//
// Hash128 is a row hash and a chunk summary's sum (diff/row_hash.hpp), a chunk or file id of
// a push (transfer/chunker.hpp, as ChunkId) and a catalog fingerprint (schema/plan.hpp). Each
// of those layers computes it with XXH3-128 itself; common only holds the value and its text,
// and links no hash library.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry {

// Appends two lowercase hex digits per byte of `bytes` to `out`.
void append_hex(std::string& out, std::string_view bytes);
// The lowercase hex of `bytes`, two digits per byte.
std::string to_hex(std::string_view bytes);
// The value of one hex digit (0-9, a-f, A-F), or -1 for any other character.
int hex_digit_value(char c) noexcept;
// The bytes an even number of hex digits (either case) stand for; std::nullopt when `hex`
// has an odd length or a character that is not a hex digit.
std::optional<std::string> from_hex(std::string_view hex);

struct Hash128 {
  std::uint64_t low = 0;
  std::uint64_t high = 0;

  bool operator==(const Hash128&) const = default;
  auto operator<=>(const Hash128&) const = default;

  // Addition mod 2^128: sums of row hashes are order-independent and add up by range.
  Hash128& operator+=(const Hash128& other) noexcept {
    const std::uint64_t sum = low + other.low;
    high += other.high + (sum < low ? 1 : 0);
    low = sum;
    return *this;
  }

  // 32 lowercase hex digits, high word then low word: XXH3's canonical (big-endian) byte
  // order. Manifests in messages, plan fingerprints and reports all use this form.
  std::string hex() const;
  // The inverse of hex(): exactly 32 hex digits (either case), else std::nullopt.
  static std::optional<Hash128> from_hex(std::string_view hex);
};

// For unordered containers: the low word of a 128-bit hash is already uniformly spread.
struct Hash128Hash {
  std::size_t operator()(const Hash128& h) const noexcept {
    return static_cast<std::size_t>(h.low);
  }
};

}  // namespace ferry
