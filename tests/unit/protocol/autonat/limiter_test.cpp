// AutoNAT server limits: concurrency (total, per peer), sliding per-minute windows (total, per peer,
// dial data), bounded peer tracking. Time is passed in.
#include <gtest/gtest.h>

#include "crypto/keys.hpp"
#include "protocol/autonat/limiter.hpp"

using namespace chiral;
using namespace chiral::autonat;
using namespace std::chrono_literals;

namespace {
multiformats::PeerId new_peer() {
  return multiformats::PeerId::from_public_key(crypto::Ed25519PrivateKey::generate().public_key());
}
const Limiter::TimePoint t0 = Limiter::TimePoint(1h);
}  // namespace

TEST(AutonatLimiter, OneConcurrentRequestPerPeer) {
  Limiter l;  // defaults: 1 per peer, 16 total
  const auto a = new_peer();
  EXPECT_FALSE(l.try_begin(a, t0));
  EXPECT_EQ(l.try_begin(a, t0), Rejection::peer_concurrency);
  EXPECT_EQ(l.in_progress(a), 1u);
  l.end(a);
  EXPECT_EQ(l.in_progress(a), 0u);
  EXPECT_FALSE(l.try_begin(a, t0 + 1s));
  l.end(a);
  l.end(a);  // extra end() is ignored
  EXPECT_EQ(l.in_progress(), 0u);
}

TEST(AutonatLimiter, TotalConcurrency) {
  LimiterConfig cfg;
  cfg.max_concurrent = 3;
  Limiter l(cfg);
  std::vector<multiformats::PeerId> peers;
  for (int i = 0; i < 3; ++i) {
    peers.push_back(new_peer());
    EXPECT_FALSE(l.try_begin(peers.back(), t0));
  }
  const auto late = new_peer();
  EXPECT_EQ(l.try_begin(late, t0), Rejection::concurrency);
  l.end(peers[0]);
  EXPECT_FALSE(l.try_begin(late, t0));
  EXPECT_EQ(l.in_progress(), 3u);
}

TEST(AutonatLimiter, PerPeerRateSlidesOverOneMinute) {
  LimiterConfig cfg;
  cfg.requests_per_minute_per_peer = 3;
  Limiter l(cfg);
  const auto a = new_peer();
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(l.try_begin(a, t0 + i * 10s));
    l.end(a);
  }
  EXPECT_EQ(l.try_begin(a, t0 + 30s), Rejection::peer_rate);
  EXPECT_EQ(l.try_begin(a, t0 + 59s), Rejection::peer_rate);
  EXPECT_FALSE(l.try_begin(a, t0 + 60s));  // the first one left the window
  l.end(a);
  EXPECT_EQ(l.try_begin(a, t0 + 65s), Rejection::peer_rate);
  // Another peer is not affected.
  const auto b = new_peer();
  EXPECT_FALSE(l.try_begin(b, t0 + 65s));
}

TEST(AutonatLimiter, GlobalRate) {
  LimiterConfig cfg;
  cfg.requests_per_minute = 5;
  Limiter l(cfg);
  for (int i = 0; i < 5; ++i) {
    const auto p = new_peer();
    EXPECT_FALSE(l.try_begin(p, t0));
    l.end(p);
  }
  EXPECT_EQ(l.try_begin(new_peer(), t0 + 30s), Rejection::rate);
  EXPECT_FALSE(l.try_begin(new_peer(), t0 + 60s));
}

TEST(AutonatLimiter, RefusedRequestsUseNothing) {
  LimiterConfig cfg;
  cfg.requests_per_minute_per_peer = 2;
  Limiter l(cfg);
  const auto a = new_peer();
  EXPECT_FALSE(l.try_begin(a, t0));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(l.try_begin(a, t0), Rejection::peer_concurrency);
  l.end(a);
  EXPECT_FALSE(l.try_begin(a, t0 + 1s));  // second of two, despite ten refusals
  l.end(a);
}

TEST(AutonatLimiter, DialDataRate) {
  LimiterConfig cfg;
  cfg.dial_data_requests_per_minute = 2;
  Limiter l(cfg);
  EXPECT_FALSE(l.try_dial_data(t0));
  EXPECT_FALSE(l.try_dial_data(t0 + 1s));
  EXPECT_EQ(l.try_dial_data(t0 + 2s), Rejection::dial_data_rate);
  EXPECT_FALSE(l.try_dial_data(t0 + 60s));
}

TEST(AutonatLimiter, ZeroMeansUnlimited) {
  LimiterConfig cfg;
  cfg.max_concurrent = 0;
  cfg.max_concurrent_per_peer = 0;
  cfg.requests_per_minute = 0;
  cfg.requests_per_minute_per_peer = 0;
  cfg.dial_data_requests_per_minute = 0;
  Limiter l(cfg);
  const auto a = new_peer();
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(l.try_begin(a, t0));
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(l.try_dial_data(t0));
  EXPECT_EQ(l.in_progress(a), 1000u);
  EXPECT_EQ(l.tracked_peers(), 1u);
}

TEST(AutonatLimiter, TrackedPeersBoundedAndForgotten) {
  LimiterConfig cfg;
  cfg.max_tracked_peers = 4;
  cfg.requests_per_minute = 0;
  cfg.max_concurrent = 0;
  Limiter l(cfg);
  for (int i = 0; i < 4; ++i) {
    const auto p = new_peer();
    EXPECT_FALSE(l.try_begin(p, t0));
    l.end(p);
  }
  EXPECT_EQ(l.tracked_peers(), 4u);
  EXPECT_EQ(l.try_begin(new_peer(), t0 + 10s), Rejection::too_many_peers);
  // A minute later their windows are empty: swept, room again.
  EXPECT_FALSE(l.try_begin(new_peer(), t0 + 61s));
  EXPECT_EQ(l.tracked_peers(), 1u);
}
