#include "ferry/common/hash128.hpp"

namespace ferry {
namespace {

constexpr char k_digits[] = "0123456789abcdef";

// The 16 bytes of a hash in XXH3's canonical order: high word, then low word, big-endian.
void put_big_endian(char* out, std::uint64_t word) {
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>(word >> (56 - 8 * i));
}

std::uint64_t get_big_endian(const char* in) {
  std::uint64_t word = 0;
  for (int i = 0; i < 8; ++i)
    word = (word << 8) | static_cast<unsigned char>(in[i]);
  return word;
}

}  // namespace

void append_hex(std::string& out, std::string_view bytes) {
  const std::size_t at = out.size();
  out.resize(at + 2 * bytes.size());
  char* p = out.data() + at;
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    *p++ = k_digits[b >> 4];
    *p++ = k_digits[b & 0xf];
  }
}

std::string to_hex(std::string_view bytes) {
  std::string out;
  append_hex(out, bytes);
  return out;
}

int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0)
    return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int high = hex_digit_value(hex[2 * i]);
    const int low = hex_digit_value(hex[2 * i + 1]);
    if (high < 0 || low < 0)
      return std::nullopt;
    out[i] = static_cast<char>(high * 16 + low);
  }
  return out;
}

std::string Hash128::hex() const {
  char bytes[16];
  put_big_endian(bytes, high);
  put_big_endian(bytes + 8, low);
  return to_hex(std::string_view(bytes, sizeof bytes));
}

std::optional<Hash128> Hash128::from_hex(std::string_view hex) {
  if (hex.size() != 32)
    return std::nullopt;
  const std::optional<std::string> bytes = ferry::from_hex(hex);
  if (!bytes)
    return std::nullopt;
  return Hash128{get_big_endian(bytes->data() + 8), get_big_endian(bytes->data())};
}

}  // namespace ferry
