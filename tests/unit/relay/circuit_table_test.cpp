// CircuitTable: total and per-peer caps (both ends), 0 = unlimited, idempotent close.
#include "relay/circuit_table.hpp"

#include <set>

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace chiral::relay {
namespace {

using test::peer;

Limits caps(std::uint32_t total, std::uint32_t per_peer) {
  Limits l;
  l.max_circuits = total;
  l.max_circuits_per_peer = per_peer;
  return l;
}

bool opened(const std::variant<CircuitId, Refusal>& r) { return std::holds_alternative<CircuitId>(r); }

TEST(CircuitTable, TotalCapExactBoundary) {
  CircuitTable t(caps(3, 0));
  for (std::uint32_t i = 0; i < 3; ++i) ASSERT_TRUE(opened(t.try_open(peer(2 * i), peer(2 * i + 1))));
  EXPECT_EQ(std::get<Refusal>(t.try_open(peer(10), peer(11))), Refusal::over_circuits_total);
  EXPECT_EQ(t.size(), 3u);
}

TEST(CircuitTable, PerPeerCapCountsBothEnds) {
  CircuitTable t(caps(0, 2));
  const auto a = peer(1), b = peer(2), c = peer(3), d = peer(4), e = peer(5), f = peer(6);
  ASSERT_TRUE(opened(t.try_open(a, b)));
  ASSERT_TRUE(opened(t.try_open(a, c)));
  EXPECT_EQ(std::get<Refusal>(t.try_open(a, d)), Refusal::over_circuits_per_peer);  // source full
  EXPECT_EQ(std::get<Refusal>(t.try_open(d, a)), Refusal::over_circuits_per_peer);  // a full as target too
  ASSERT_TRUE(opened(t.try_open(e, b)));
  EXPECT_EQ(std::get<Refusal>(t.try_open(f, b)), Refusal::over_circuits_per_peer);  // target full
  EXPECT_EQ(t.count_for(a), 2u);
  EXPECT_EQ(t.count_for(b), 2u);
  EXPECT_EQ(t.count_for(c), 1u);
  EXPECT_EQ(t.count_for(d), 0u);
  EXPECT_EQ(t.size(), 3u);
}

TEST(CircuitTable, TotalCapCheckedBeforePerPeer) {
  CircuitTable t(caps(1, 1));
  ASSERT_TRUE(opened(t.try_open(peer(1), peer(2))));
  EXPECT_EQ(std::get<Refusal>(t.try_open(peer(1), peer(2))), Refusal::over_circuits_total);
}

TEST(CircuitTable, SameSourceAndTargetTakesTwoSlots) {
  CircuitTable t(caps(0, 2));
  ASSERT_TRUE(opened(t.try_open(peer(1), peer(1))));
  EXPECT_EQ(t.count_for(peer(1)), 2u);
  EXPECT_EQ(std::get<Refusal>(t.try_open(peer(1), peer(2))), Refusal::over_circuits_per_peer);
  CircuitTable one(caps(0, 1));
  EXPECT_EQ(std::get<Refusal>(one.try_open(peer(1), peer(1))), Refusal::over_circuits_per_peer);
}

TEST(CircuitTable, ZeroMeansUnlimited) {
  CircuitTable t(caps(0, 0));
  for (std::uint32_t i = 0; i < 10000; ++i) ASSERT_TRUE(opened(t.try_open(peer(i % 7), peer(100)))) << i;
  EXPECT_EQ(t.size(), 10000u);
  EXPECT_EQ(t.count_for(peer(100)), 10000u);
}

TEST(CircuitTable, CloseIsIdempotentAndFreesBothEnds) {
  CircuitTable t(caps(1, 1));
  auto id = std::get<CircuitId>(t.try_open(peer(1), peer(2)));
  ASSERT_NE(t.find(id), nullptr);
  EXPECT_EQ(t.find(id)->src, peer(1));
  EXPECT_EQ(t.find(id)->dst, peer(2));
  EXPECT_TRUE(t.close(id));
  EXPECT_FALSE(t.close(id));
  EXPECT_FALSE(t.close(id + 12345));
  EXPECT_FALSE(t.close(0));
  EXPECT_EQ(t.find(id), nullptr);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.count_for(peer(1)), 0u);
  EXPECT_EQ(t.count_for(peer(2)), 0u);
  EXPECT_EQ(t.debug_index_sizes().per_peer, 0u);
  auto again = t.try_open(peer(2), peer(1));
  ASSERT_TRUE(opened(again));
  EXPECT_NE(std::get<CircuitId>(again), id);  // ids are not reused
}

TEST(CircuitTable, IdsAreUniqueAndNonZero) {
  CircuitTable t(caps(0, 0));
  std::set<CircuitId> ids;
  for (std::uint32_t i = 0; i < 1000; ++i) {
    auto id = std::get<CircuitId>(t.try_open(peer(i), peer(i + 1)));
    EXPECT_NE(id, 0u);
    ids.insert(id);
    if (i % 2) t.close(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(CircuitTable, SetLimitsKeepsOpenCircuits) {
  CircuitTable t(caps(0, 0));
  for (std::uint32_t i = 0; i < 4; ++i) t.try_open(peer(1), peer(10 + i));
  t.set_limits(caps(2, 1));
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(std::get<Refusal>(t.try_open(peer(20), peer(21))), Refusal::over_circuits_total);
}

}  // namespace
}  // namespace chiral::relay
