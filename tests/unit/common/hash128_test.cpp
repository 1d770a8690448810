// The one hex encoder and decoder, and the one 128-bit hash value's text form.
#include "ferry/common/hash128.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_set>

namespace ferry {
namespace {

TEST(Hex, EncodesTwoLowercaseDigitsPerByte) {
  EXPECT_EQ(to_hex(""), "");
  EXPECT_EQ(to_hex(std::string("\x00\x01\x7f\x80\xab\xff", 6)), "00017f80abff");
  std::string out = "X'";
  append_hex(out, "\x0a\x1b");
  EXPECT_EQ(out, "X'0a1b");
}

TEST(Hex, RoundTripsEveryByteAndRandomStrings) {
  std::string all;
  for (int b = 0; b < 256; ++b)
    all += static_cast<char>(b);
  EXPECT_EQ(from_hex(to_hex(all)), all);
  std::mt19937_64 random(5);
  for (int round = 0; round < 200; ++round) {
    std::string bytes(random() % 100, '\0');
    for (char& c : bytes)
      c = static_cast<char>(random());
    EXPECT_EQ(from_hex(to_hex(bytes)), bytes) << round;
  }
  EXPECT_EQ(from_hex("ABCDEF"), from_hex("abcdef"));  // either case reads
}

TEST(Hex, RejectsBadInput) {
  EXPECT_EQ(from_hex("abc"), std::nullopt);  // odd length
  for (const char* bad : {"0g", "g0", "  ", "0x", "-1", "\xff\xff"})
    EXPECT_EQ(from_hex(bad), std::nullopt) << bad;
  EXPECT_EQ(from_hex(std::string("0\0", 2)), std::nullopt);
  for (const char c : std::string("0123456789abcdefABCDEF"))
    EXPECT_GE(hex_digit_value(c), 0) << c;
  for (const char c : std::string("gG/:@`\0 x", 9))
    EXPECT_EQ(hex_digit_value(c), -1) << static_cast<int>(c);
}

TEST(Hash128, HexIsHighWordThenLowWordAndRoundTrips) {
  const Hash128 h{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  EXPECT_EQ(h.hex(), "fedcba98765432100123456789abcdef");
  EXPECT_EQ(Hash128{}.hex(), std::string(32, '0'));
  EXPECT_EQ(Hash128::from_hex(h.hex()), h);
  EXPECT_EQ(Hash128::from_hex("FEDCBA98765432100123456789ABCDEF"), h);
  std::mt19937_64 random(9);
  for (int round = 0; round < 100; ++round) {
    const Hash128 r{random(), random()};
    EXPECT_EQ(Hash128::from_hex(r.hex()), r);
  }
}

TEST(Hash128, FromHexRejectsAnythingButThirtyTwoDigits) {
  const std::string good = Hash128{1, 2}.hex();
  EXPECT_EQ(Hash128::from_hex(good.substr(1)), std::nullopt);
  EXPECT_EQ(Hash128::from_hex(good + "0"), std::nullopt);
  EXPECT_EQ(Hash128::from_hex(""), std::nullopt);
  std::string bad = good;
  bad[20] = 'z';
  EXPECT_EQ(Hash128::from_hex(bad), std::nullopt);
}

TEST(Hash128, AddsModTwoToThe128AndHashes) {
  Hash128 a{~0ull, 1};
  a += Hash128{2, 0};
  EXPECT_EQ(a, (Hash128{1, 2}));
  Hash128 top{~0ull, ~0ull};
  top += Hash128{1, 0};
  EXPECT_EQ(top, Hash128{});
  std::unordered_set<Hash128, Hash128Hash> set = {Hash128{1, 2}, Hash128{1, 2}, Hash128{2, 1}};
  EXPECT_EQ(set.size(), 2u);
}

}  // namespace
}  // namespace ferry
