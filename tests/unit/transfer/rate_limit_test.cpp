// --bwlimit: rates as rsync users write them, and a token bucket that keeps to them.
#include "ferry/transfer/rate_limit.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "ferry/common/error.hpp"

namespace ferry::transfer {
namespace {

TEST(ParseRate, RsyncUnits) {
  EXPECT_EQ(parse_rate("--bwlimit", "500K"), 500u * 1024);
  EXPECT_EQ(parse_rate("--bwlimit", "500k"), 500u * 1024);
  EXPECT_EQ(parse_rate("--bwlimit", "500"), 500u * 1024);  // no suffix: K, as rsync
  EXPECT_EQ(parse_rate("--bwlimit", "10M"), 10u << 20);
  EXPECT_EQ(parse_rate("--bwlimit", "10MiB"), 10u << 20);
  EXPECT_EQ(parse_rate("--bwlimit", "1G"), 1u << 30);
  EXPECT_EQ(parse_rate("--bwlimit", "1.5M"), 3u << 19);
  EXPECT_EQ(parse_rate("--bwlimit", "10MB"), 10'000'000u);
  EXPECT_EQ(parse_rate("--bwlimit", "2KB"), 2000u);
  EXPECT_EQ(parse_rate("--bwlimit", "4096B"), 4096u);
  EXPECT_EQ(parse_rate("--bwlimit", "0"), 0u);  // no limit
}

TEST(ParseRate, MalformedRatesNameTheOptionAndTheText) {
  for (const char* text :
       {"", "M", "10X", "-5M", "1e3", "10 M B", "1..5M", "0.0001B", "1M/s", "99999999999G"}) {
    try {
      parse_rate("--bwlimit-total", text);
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::usage) << text;
      EXPECT_NE(std::string(e.what()).find("--bwlimit-total"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("'" + std::string(text) + "'"), std::string::npos)
          << e.what();
    }
  }
}

double seconds_to_acquire(RateLimiter& limiter, std::uint64_t bytes, int threads) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (std::uint64_t done = 0; done < bytes / threads; done += 8192)
        limiter.acquire(8192);
    });
  }
  for (auto& w : workers)
    w.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(RateLimiter, KeepsToItsRateAlsoWhenShared) {
  RateLimiter one(4 << 20);
  const double alone = seconds_to_acquire(one, 1 << 20, 1);  // 1 MiB at 4 MiB/s
  EXPECT_GT(alone, 0.2);
  EXPECT_LT(alone, 1.0);
  RateLimiter shared(4 << 20);
  const double together = seconds_to_acquire(shared, 1 << 20, 4);
  EXPECT_GT(together, 0.2);
  EXPECT_LT(together, 1.0);
}

}  // namespace
}  // namespace ferry::transfer
