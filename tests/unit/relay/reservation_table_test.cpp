// ReservationTable: caps at their exact boundaries, 0 = unlimited, refresh, moving IP, expiry and removal.
#include "relay/reservation_table.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace chiral::relay {
namespace {

using namespace std::chrono_literals;
using test::ip;
using test::peer;
using test::t0;

Limits caps(std::uint32_t total, std::uint32_t per_ip, std::chrono::seconds ttl = 100s) {
  Limits l;
  l.max_reservations = total;
  l.max_reservations_per_ip = per_ip;
  l.reservation_ttl = ttl;
  return l;
}

bool granted(const std::variant<ReservationGrant, Refusal>& r) { return std::holds_alternative<ReservationGrant>(r); }
Refusal refusal(const std::variant<ReservationGrant, Refusal>& r) { return std::get<Refusal>(r); }

TEST(ReservationTable, DefaultsMatchTheSpecChoices) {
  Limits l;
  EXPECT_EQ(l.max_reservations, 128u);
  EXPECT_EQ(l.max_reservations_per_ip, 8u);
  EXPECT_EQ(l.max_circuits, 16u);
  EXPECT_EQ(l.max_circuits_per_peer, 4u);
  EXPECT_EQ(l.reservation_ttl, 3600s);
  EXPECT_EQ(l.circuit_duration, 120s);
  EXPECT_EQ(l.circuit_data_bytes, 131072u);
  EXPECT_EQ(l.requests_per_minute_per_ip, 0u);
}

TEST(ReservationTable, TotalCapExactBoundary) {
  ReservationTable t(caps(3, 0));
  for (std::uint32_t i = 0; i < 3; ++i) {
    auto r = t.try_reserve(peer(i), ip("10.0.0.1"), t0);
    ASSERT_TRUE(granted(r)) << i;
    EXPECT_FALSE(std::get<ReservationGrant>(r).refreshed);
    EXPECT_EQ(std::get<ReservationGrant>(r).expires, t0 + 100s);
  }
  EXPECT_EQ(refusal(t.try_reserve(peer(3), ip("10.0.0.2"), t0)), Refusal::over_total);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_FALSE(t.has(peer(3), t0));
}

TEST(ReservationTable, PerIpCapExactBoundary) {
  ReservationTable t(caps(0, 2));
  EXPECT_TRUE(granted(t.try_reserve(peer(1), ip("10.0.0.1"), t0)));
  EXPECT_TRUE(granted(t.try_reserve(peer(2), ip("10.0.0.1"), t0)));
  EXPECT_EQ(refusal(t.try_reserve(peer(3), ip("10.0.0.1"), t0)), Refusal::over_per_ip);
  EXPECT_EQ(refusal(t.try_reserve(peer(3), ip("::ffff:10.0.0.1"), t0)), Refusal::over_per_ip);  // same host
  EXPECT_TRUE(granted(t.try_reserve(peer(3), ip("10.0.0.2"), t0)));
  EXPECT_EQ(t.count_for_ip(ip("10.0.0.1")), 2u);
  EXPECT_EQ(t.count_for_ip(ip("10.0.0.2")), 1u);
  EXPECT_EQ(t.count_for_ip(ip("10.0.0.3")), 0u);
}

TEST(ReservationTable, TotalCapIsCheckedBeforePerIp) {
  ReservationTable t(caps(1, 1));
  ASSERT_TRUE(granted(t.try_reserve(peer(1), ip("10.0.0.1"), t0)));
  EXPECT_EQ(refusal(t.try_reserve(peer(2), ip("10.0.0.1"), t0)), Refusal::over_total);
}

TEST(ReservationTable, ZeroMeansUnlimited) {
  ReservationTable t(caps(0, 0));
  for (std::uint32_t i = 0; i < 10000; ++i) ASSERT_TRUE(granted(t.try_reserve(peer(i), ip("10.0.0.1"), t0))) << i;
  EXPECT_EQ(t.size(), 10000u);
  EXPECT_EQ(t.count_for_ip(ip("10.0.0.1")), 10000u);
}

TEST(ReservationTable, ZeroTtlNeverExpires) {
  ReservationTable t(caps(0, 0, 0s));
  auto r = t.try_reserve(peer(1), ip("10.0.0.1"), t0);
  ASSERT_TRUE(granted(r));
  EXPECT_EQ(std::get<ReservationGrant>(r).expires, TimePoint::max());
  EXPECT_TRUE(t.has(peer(1), t0 + std::chrono::hours(24 * 365 * 100)));
  EXPECT_EQ(t.expire(t0 + std::chrono::hours(24 * 365 * 100)), 0u);
  EXPECT_FALSE(t.next_expiry());  // nothing for the timer to wait for
}

TEST(ReservationTable, HugeTtlSaturates) {
  ReservationTable t(caps(0, 0, std::chrono::seconds(std::numeric_limits<std::int64_t>::max())));
  auto r = t.try_reserve(peer(1), ip("10.0.0.1"), t0);
  EXPECT_EQ(std::get<ReservationGrant>(r).expires, TimePoint::max());
}

TEST(ReservationTable, RefreshExtendsWithoutTakingASlot) {
  ReservationTable t(caps(0, 0));
  ASSERT_TRUE(granted(t.try_reserve(peer(1), ip("10.0.0.1"), t0)));
  auto r = t.try_reserve(peer(1), ip("10.0.0.1"), t0 + 60s);
  ASSERT_TRUE(granted(r));
  EXPECT_TRUE(std::get<ReservationGrant>(r).refreshed);
  EXPECT_EQ(std::get<ReservationGrant>(r).expires, t0 + 160s);
  EXPECT_EQ(t.expiry(peer(1)), t0 + 160s);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.count_for_ip(ip("10.0.0.1")), 1u);
  EXPECT_TRUE(t.has(peer(1), t0 + 150s));  // the first expiry no longer applies
  EXPECT_EQ(t.expire(t0 + 150s), 0u);
  EXPECT_EQ(t.debug_index_sizes().by_expiry, 1u);
}

TEST(ReservationTable, RefreshSucceedsAtFullCapacity) {
  ReservationTable t(caps(2, 1));
  ASSERT_TRUE(granted(t.try_reserve(peer(1), ip("10.0.0.1"), t0)));
  ASSERT_TRUE(granted(t.try_reserve(peer(2), ip("10.0.0.2"), t0)));
  EXPECT_EQ(refusal(t.try_reserve(peer(3), ip("10.0.0.3"), t0)), Refusal::over_total);
  auto r = t.try_reserve(peer(1), ip("10.0.0.1"), t0 + 10s);
  ASSERT_TRUE(granted(r));
  EXPECT_TRUE(std::get<ReservationGrant>(r).refreshed);
  EXPECT_EQ(t.size(), 2u);
}

TEST(ReservationTable, RefreshFromAnotherIpMovesTheSlot) {
  ReservationTable t(caps(0, 1));
  ASSERT_TRUE(granted(t.try_reserve(peer(1), ip("10.0.0.1"), t0)));
  auto r = t.try_reserve(peer(1), ip("10.0.0.2"), t0 + 1s);
  ASSERT_TRUE(granted(r));
  EXPECT_TRUE(std::get<ReservationGrant>(r).refreshed);
  EXPECT_EQ(t.count_for_ip(ip("10.0.0.1")), 0u);
  EXPECT_EQ(t.count_for_ip(ip("10.0.0.2")), 1u);
  EXPECT_EQ(t.ip_of(peer(1)), ip("10.0.0.2"));
  EXPECT_EQ(t.debug_index_sizes().per_ip, 1u);
  // The old IP is free again.
  EXPECT_TRUE(granted(t.try_reserve(peer(2), ip("10.0.0.1"), t0 + 1s)));
}

TEST(ReservationTable, MovingIntoAFullIpIsRefusedAndKeepsTheOldSlot) {
  ReservationTable t(caps(0, 1));
  ASSERT_TRUE(granted(t.try_reserve(peer(1), ip("10.0.0.1"), t0)));
  ASSERT_TRUE(granted(t.try_reserve(peer(2), ip("10.0.0.2"), t0)));
  EXPECT_EQ(refusal(t.try_reserve(peer(1), ip("10.0.0.2"), t0 + 5s)), Refusal::over_per_ip);
  EXPECT_EQ(t.ip_of(peer(1)), ip("10.0.0.1"));
  EXPECT_EQ(t.expiry(peer(1)), t0 + 100s);  // not extended either
  EXPECT_EQ(t.count_for_ip(ip("10.0.0.1")), 1u);
  EXPECT_EQ(t.count_for_ip(ip("10.0.0.2")), 1u);
}

TEST(ReservationTable, ExpiryBeforeAtAfterTheInstant) {
  ReservationTable t(caps(0, 0));
  ASSERT_TRUE(granted(t.try_reserve(peer(1), ip("10.0.0.1"), t0)));
  const TimePoint at = t0 + 100s;
  EXPECT_EQ(t.next_expiry(), at);
  EXPECT_TRUE(t.has(peer(1), at - 1ns));
  EXPECT_FALSE(t.has(peer(1), at));
  EXPECT_FALSE(t.has(peer(1), at + 1ns));
  EXPECT_EQ(t.expire(at - 1ns), 0u);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.expire(at), 1u);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.expire(at + 1s), 0u);
  EXPECT_FALSE(t.expiry(peer(1)));
  EXPECT_FALSE(t.next_expiry());
  auto sizes = t.debug_index_sizes();
  EXPECT_EQ(sizes.entries + sizes.per_ip + sizes.by_expiry, 0u);
}

TEST(ReservationTable, ReserveAfterExpiryIsANewReservation) {
  ReservationTable t(caps(1, 1));
  ASSERT_TRUE(granted(t.try_reserve(peer(1), ip("10.0.0.1"), t0)));
  // Without an explicit expire() call: try_reserve purges first, so the slot is free at the instant.
  auto r = t.try_reserve(peer(2), ip("10.0.0.1"), t0 + 100s);
  ASSERT_TRUE(granted(r));
  EXPECT_FALSE(std::get<ReservationGrant>(r).refreshed);
  auto again = t.try_reserve(peer(2), ip("10.0.0.1"), t0 + 300s);
  ASSERT_TRUE(granted(again));
  EXPECT_FALSE(std::get<ReservationGrant>(again).refreshed);  // it had expired
  EXPECT_EQ(t.size(), 1u);
}

TEST(ReservationTable, NextExpiryTracksTheEarliest) {
  ReservationTable t(caps(0, 0));
  EXPECT_FALSE(t.next_expiry());
  t.try_reserve(peer(1), ip("10.0.0.1"), t0);
  t.try_reserve(peer(2), ip("10.0.0.1"), t0 + 10s);
  EXPECT_EQ(t.next_expiry(), t0 + 100s);
  t.try_reserve(peer(1), ip("10.0.0.1"), t0 + 20s);  // refresh moves peer 1 behind peer 2
  EXPECT_EQ(t.next_expiry(), t0 + 110s);
  t.remove(peer(2));
  EXPECT_EQ(t.next_expiry(), t0 + 120s);
}

TEST(ReservationTable, RemoveOnDisconnectFreesTheSlots) {
  ReservationTable t(caps(2, 1));
  ASSERT_TRUE(granted(t.try_reserve(peer(1), ip("10.0.0.1"), t0)));
  ASSERT_TRUE(granted(t.try_reserve(peer(2), ip("10.0.0.2"), t0)));
  EXPECT_EQ(refusal(t.try_reserve(peer(3), ip("10.0.0.1"), t0)), Refusal::over_total);
  EXPECT_TRUE(t.remove(peer(1)));
  EXPECT_FALSE(t.remove(peer(1)));
  EXPECT_FALSE(t.has(peer(1), t0));
  EXPECT_EQ(t.count_for_ip(ip("10.0.0.1")), 0u);
  EXPECT_TRUE(granted(t.try_reserve(peer(3), ip("10.0.0.1"), t0)));
}

TEST(ReservationTable, PerIpCapFreedByExpiryAndRemoval) {
  ReservationTable t(caps(0, 1));
  ASSERT_TRUE(granted(t.try_reserve(peer(1), ip("10.0.0.1"), t0)));
  EXPECT_EQ(refusal(t.try_reserve(peer(2), ip("10.0.0.1"), t0 + 99s)), Refusal::over_per_ip);
  ASSERT_TRUE(granted(t.try_reserve(peer(2), ip("10.0.0.1"), t0 + 100s)));  // peer 1 expired
  EXPECT_EQ(refusal(t.try_reserve(peer(3), ip("10.0.0.1"), t0 + 101s)), Refusal::over_per_ip);
  t.remove(peer(2));
  EXPECT_TRUE(granted(t.try_reserve(peer(3), ip("10.0.0.1"), t0 + 101s)));
}

TEST(ReservationTable, SetLimitsKeepsEntries) {
  ReservationTable t(caps(0, 0));
  for (std::uint32_t i = 0; i < 5; ++i) t.try_reserve(peer(i), ip("10.0.0.1"), t0);
  t.set_limits(caps(2, 1, 50s));
  EXPECT_EQ(t.size(), 5u);
  EXPECT_EQ(refusal(t.try_reserve(peer(9), ip("10.0.0.9"), t0)), Refusal::over_total);
  auto r = t.try_reserve(peer(0), ip("10.0.0.1"), t0 + 1s);  // refresh still fine, with the new TTL
  ASSERT_TRUE(granted(r));
  EXPECT_EQ(std::get<ReservationGrant>(r).expires, t0 + 51s);
  EXPECT_EQ(t.expiry(peer(1)), t0 + 100s);  // untouched entries keep theirs
}

}  // namespace
}  // namespace chiral::relay
