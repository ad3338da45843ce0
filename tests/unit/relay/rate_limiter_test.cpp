// RateLimiter: burst, exact refill over time, per-IP (per-/64) buckets, bounded memory.
#include "relay/rate_limiter.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace chiral::relay {
namespace {

using namespace std::chrono_literals;
using test::ip;
using test::t0;

int drain(RateLimiter& r, const IpAddr& a, TimePoint now, int max = 1000000) {
  int n = 0;
  while (n < max && r.allow(a, now)) ++n;
  return n;
}

TEST(RateLimiter, OffAllowsEverythingAndTracksNothing) {
  RateLimiter r(0, 0);
  EXPECT_FALSE(r.enabled());
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(r.allow(ip("10.0.0.1"), t0));
  EXPECT_EQ(r.tracked(), 0u);
}

TEST(RateLimiter, BurstThenRefused) {
  RateLimiter r(60, 5);
  EXPECT_EQ(drain(r, ip("10.0.0.1"), t0), 5);
  EXPECT_FALSE(r.allow(ip("10.0.0.1"), t0));
  EXPECT_EQ(drain(r, ip("10.0.0.2"), t0), 5);  // another IP has its own bucket
}

TEST(RateLimiter, RefillsExactlyOverTime) {
  RateLimiter r(60, 5);  // one token per second
  const auto a = ip("10.0.0.1");
  ASSERT_EQ(drain(r, a, t0), 5);
  EXPECT_FALSE(r.allow(a, t0 + 999ms));
  EXPECT_TRUE(r.allow(a, t0 + 1000ms));
  EXPECT_FALSE(r.allow(a, t0 + 1000ms));
  EXPECT_EQ(drain(r, a, t0 + 3500ms), 2);  // 2.5 s of refill since the last take
  EXPECT_TRUE(r.allow(a, t0 + 4000ms));    // the half token was kept
  EXPECT_EQ(drain(r, a, t0 + 1h), 5);      // never above the burst
}

TEST(RateLimiter, BurstZeroMeansOneMinuteWorth) {
  RateLimiter r(10, 0);
  EXPECT_EQ(drain(r, ip("10.0.0.1"), t0), 10);
}

TEST(RateLimiter, TimeGoingBackwardsAddsNothing) {
  RateLimiter r(60, 1);
  ASSERT_TRUE(r.allow(ip("10.0.0.1"), t0));
  EXPECT_FALSE(r.allow(ip("10.0.0.1"), t0 - 10s));
  EXPECT_FALSE(r.allow(ip("10.0.0.1"), t0 + 500ms));
  EXPECT_TRUE(r.allow(ip("10.0.0.1"), t0 + 1s));
}

TEST(RateLimiter, Ipv6SharesABucketPerSlash64) {
  RateLimiter r(60, 2);
  EXPECT_TRUE(r.allow(ip("2001:db8:1:2::1"), t0));
  EXPECT_TRUE(r.allow(ip("2001:db8:1:2:ffff::9"), t0));
  EXPECT_FALSE(r.allow(ip("2001:db8:1:2::1234"), t0));
  EXPECT_TRUE(r.allow(ip("2001:db8:1:3::1"), t0));
  EXPECT_EQ(r.tracked(), 2u);
  // Mapped IPv4 is the IPv4 host.
  EXPECT_TRUE(r.allow(ip("10.0.0.1"), t0));
  EXPECT_TRUE(r.allow(ip("10.0.0.1"), t0));
  EXPECT_FALSE(r.allow(ip("::ffff:10.0.0.1"), t0));
}

TEST(RateLimiter, RefilledBucketsAreForgotten) {
  RateLimiter r(60, 5);  // full refill takes 5 s
  for (std::uint32_t i = 0; i < 1000; ++i) r.allow(IpAddr::v4(0x0a000000 + i), t0 + std::chrono::milliseconds(i));
  EXPECT_EQ(r.tracked(), 1000u);
  r.sweep(t0 + 5s + 499ms);  // buckets touched at <= t0+499ms are full again
  EXPECT_EQ(r.tracked(), 500u);
  r.allow(ip("192.0.2.1"), t0 + 6s);  // allow() sweeps too
  EXPECT_EQ(r.tracked(), 1u);
}

TEST(RateLimiter, HardCapEvictsTheStalest) {
  RateLimiter r(1, 1, /*max_tracked=*/3);
  const auto a = ip("10.0.0.1"), b = ip("10.0.0.2"), c = ip("10.0.0.3"), d = ip("10.0.0.4");
  EXPECT_TRUE(r.allow(a, t0));
  EXPECT_TRUE(r.allow(b, t0 + 1ms));
  EXPECT_TRUE(r.allow(c, t0 + 2ms));
  EXPECT_FALSE(r.allow(a, t0 + 3ms));  // a touched again: b is now the stalest
  EXPECT_TRUE(r.allow(d, t0 + 4ms));   // evicts b
  EXPECT_EQ(r.tracked(), 3u);
  EXPECT_FALSE(r.allow(a, t0 + 5ms));  // a kept its empty bucket
  EXPECT_TRUE(r.allow(b, t0 + 6ms));   // b starts over (evicting c)
}

TEST(RateLimiter, MemoryStaysBoundedUnderAFlood) {
  RateLimiter r(60, 3, 1024);
  for (std::uint32_t i = 0; i < 100000; ++i) {
    r.allow(IpAddr::v4(i), t0);
    ASSERT_LE(r.tracked(), 1024u);
  }
  EXPECT_EQ(r.tracked(), 1024u);
}

TEST(RateLimiter, SetRateClampsAndOffForgets) {
  RateLimiter r(60, 10);
  const auto a = ip("10.0.0.1");
  ASSERT_TRUE(r.allow(a, t0));  // 9 left
  r.set_rate(60, 2);
  EXPECT_EQ(drain(r, a, t0), 2);
  r.set_rate(0, 0);
  EXPECT_EQ(r.tracked(), 0u);
  EXPECT_TRUE(r.allow(a, t0));
  r.set_rate(60, 1);
  EXPECT_TRUE(r.allow(a, t0));
  EXPECT_FALSE(r.allow(a, t0));
}

TEST(RateLimiter, ExtremeRatesDoNotOverflow) {
  RateLimiter r(std::numeric_limits<std::uint32_t>::max(), std::numeric_limits<std::uint32_t>::max());
  const auto a = ip("10.0.0.1");
  EXPECT_EQ(drain(r, a, t0, 1000), 1000);
  EXPECT_TRUE(r.allow(a, t0 + std::chrono::hours(24 * 365 * 50)));
  RateLimiter slow(1, std::numeric_limits<std::uint32_t>::max());
  EXPECT_EQ(drain(slow, a, t0, 1000), 1000);
}

}  // namespace
}  // namespace chiral::relay
