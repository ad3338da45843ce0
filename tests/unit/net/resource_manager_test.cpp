// ResourceManager bookkeeping without I/O: every limit refuses with its own reason and counter, permits
// give their slots back when destroyed (also after the manager is gone), 0 means unlimited.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "net/resource_manager.hpp"

using namespace chiral::net;
namespace ip = boost::asio::ip;

namespace {

ip::address addr(const char* s) { return ip::make_address(s); }

std::optional<ConnectionPermit> open(ResourceManager& rm, const char* a) {
  auto d = rm.try_open_connection(addr(a));
  if (auto* p = std::get_if<ConnectionPermit>(&d)) return std::move(*p);
  return std::nullopt;
}

std::optional<ResourceRefusal> refusal(ResourceManager& rm, const char* a) {
  auto d = rm.try_open_connection(addr(a));
  if (auto* r = std::get_if<ResourceRefusal>(&d)) return *r;
  return std::nullopt;
}

TEST(ResourceManager, UnlimitedByDefault) {
  ResourceManager rm;
  std::vector<ConnectionPermit> permits;
  for (int i = 0; i < 1000; ++i) {
    auto p = open(rm, "10.0.0.1");
    ASSERT_TRUE(p);
    for (int j = 0; j < 3; ++j) {
      auto s = p->try_open_inbound_stream();
      EXPECT_TRUE(std::holds_alternative<StreamPermit>(s));
    }
    permits.push_back(std::move(*p));
  }
  EXPECT_EQ(rm.usage().connections, 1000u);
  EXPECT_EQ(rm.usage().pending_handshakes, 1000u);
  EXPECT_EQ(rm.usage().inbound_streams, 0u);  // the stream permits above were dropped at once
  permits.clear();
  EXPECT_EQ(rm.usage().connections, 0u);
  EXPECT_EQ(rm.usage().pending_handshakes, 0u);
  EXPECT_EQ(rm.usage().addresses, 0u);
}

TEST(ResourceManager, PerIpCapAppliesToOneAddressOnly) {
  ResourceManager rm({.max_connections_per_ip = 2});
  auto a1 = open(rm, "192.0.2.1"), a2 = open(rm, "192.0.2.1");
  ASSERT_TRUE(a1 && a2);
  EXPECT_EQ(refusal(rm, "192.0.2.1"), ResourceRefusal::connections_per_ip);
  EXPECT_EQ(refusal(rm, "::ffff:192.0.2.1"), ResourceRefusal::connections_per_ip);  // mapped = same host
  auto other = open(rm, "192.0.2.2");
  EXPECT_TRUE(other);
  EXPECT_EQ(rm.refused(ResourceRefusal::connections_per_ip), 2u);
  EXPECT_EQ(rm.usage().addresses, 2u);
  a1.reset();  // closing one frees a slot for that address
  EXPECT_TRUE(open(rm, "192.0.2.1"));
}

TEST(ResourceManager, Ipv6IsCountedPerSlash64) {
  ResourceManager rm({.max_connections_per_ip = 2});
  auto a = open(rm, "2001:db8:1:2::1"), b = open(rm, "2001:db8:1:2:ffff::9");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(refusal(rm, "2001:db8:1:2:1234::1"), ResourceRefusal::connections_per_ip);
  EXPECT_TRUE(open(rm, "2001:db8:1:3::1"));  // next /64
  EXPECT_EQ(ResourceManager::ip_key(addr("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
  EXPECT_EQ(ResourceManager::ip_key(addr("::ffff:10.1.2.3")), "10.1.2.3");
}

TEST(ResourceManager, TotalCapCountsHandshakingAndEstablished) {
  ResourceManager rm({.max_connections = 3});
  auto a = open(rm, "10.0.0.1"), b = open(rm, "10.0.0.2"), c = open(rm, "10.0.0.3");
  ASSERT_TRUE(a && b && c);
  b->handshake_done();
  EXPECT_EQ(refusal(rm, "10.0.0.4"), ResourceRefusal::connections_total);
  EXPECT_EQ(rm.refused(ResourceRefusal::connections_total), 1u);
  c.reset();
  EXPECT_TRUE(open(rm, "10.0.0.4"));
}

TEST(ResourceManager, PendingHandshakeSlotIsReturnedWhenTheUpgradeEnds) {
  ResourceManager rm({.max_pending_handshakes = 2});
  auto a = open(rm, "10.0.0.1"), b = open(rm, "10.0.0.2");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(refusal(rm, "10.0.0.3"), ResourceRefusal::pending_handshakes);
  a->handshake_done();
  a->handshake_done();  // idempotent
  EXPECT_EQ(rm.usage().pending_handshakes, 1u);
  EXPECT_EQ(rm.usage().connections, 2u);
  auto c = open(rm, "10.0.0.3");
  EXPECT_TRUE(c);
  b.reset();  // a connection that dies mid-handshake frees its pending slot too
  EXPECT_EQ(rm.usage().pending_handshakes, 1u);
  EXPECT_EQ(rm.refused(ResourceRefusal::pending_handshakes), 1u);
  auto labels = rm.refusals_by_label();
  EXPECT_EQ(labels.at("pending_handshakes"), 1u);
  EXPECT_EQ(labels.at("connections_per_ip"), 0u);
  EXPECT_EQ(labels.size(), kResourceRefusalCount);
}

TEST(ResourceManager, StreamCapsPerConnectionAndInTotal) {
  ResourceManager rm({.max_streams_per_connection = 2, .max_inbound_streams = 3});
  auto a = open(rm, "10.0.0.1"), b = open(rm, "10.0.0.2");
  ASSERT_TRUE(a && b);
  std::vector<StreamPermit> held;
  auto take = [&held](ConnectionPermit& p) -> std::optional<ResourceRefusal> {
    auto s = p.try_open_inbound_stream();
    if (auto* r = std::get_if<ResourceRefusal>(&s)) return *r;
    held.push_back(std::move(std::get<StreamPermit>(s)));
    return std::nullopt;
  };
  EXPECT_FALSE(take(*a));
  EXPECT_FALSE(take(*a));
  EXPECT_EQ(take(*a), ResourceRefusal::streams_per_connection);
  EXPECT_FALSE(take(*b));
  EXPECT_EQ(take(*b), ResourceRefusal::streams_total);
  EXPECT_EQ(rm.usage().inbound_streams, 3u);
  held.erase(held.begin());  // one of a's streams ends
  EXPECT_FALSE(take(*b));
  EXPECT_EQ(rm.refused(ResourceRefusal::streams_per_connection), 1u);
  EXPECT_EQ(rm.refused(ResourceRefusal::streams_total), 1u);
  // A stream outliving its connection's permit still releases its slot exactly once.
  a.reset();
  b.reset();
  EXPECT_EQ(rm.usage().inbound_streams, 3u);
  held.clear();
  EXPECT_EQ(rm.usage().inbound_streams, 0u);
}

TEST(ResourceManager, MemoryBudgetIsSharedAndReleased) {
  ResourceManager rm({.max_stream_buffer_bytes = 1000});
  auto a = open(rm, "10.0.0.1");
  ASSERT_TRUE(a);
  auto m1 = a->memory_charge(), m2 = a->memory_charge();
  EXPECT_TRUE(m1.grow(600));
  EXPECT_FALSE(m2.grow(500));  // 1100 > 1000: refused, nothing charged
  EXPECT_EQ(m2.charged(), 0u);
  EXPECT_TRUE(m2.grow(400));
  EXPECT_EQ(rm.usage().stream_buffer_bytes, 1000u);
  m1.shrink(100);
  EXPECT_EQ(rm.usage().stream_buffer_bytes, 900u);
  m1.shrink(10'000);  // never below zero
  EXPECT_EQ(m1.charged(), 0u);
  m1.charge(50);  // put-back bytes are charged whatever the budget
  EXPECT_EQ(rm.usage().stream_buffer_bytes, 450u);
  { auto moved = std::move(m2); }
  EXPECT_EQ(rm.usage().stream_buffer_bytes, 50u);
  EXPECT_EQ(rm.refused(ResourceRefusal::stream_memory), 1u);
  MemoryCharge unmanaged = ConnectionPermit{}.memory_charge();
  EXPECT_TRUE(unmanaged.grow(std::size_t{1} << 40));
}

TEST(ResourceManager, PermitsMayOutliveTheManager) {
  std::optional<ConnectionPermit> p;
  {
    ResourceManager rm({.max_connections = 1});
    p = open(rm, "10.0.0.1");
    ASSERT_TRUE(p);
  }
  p.reset();  // must not touch freed memory (checked under ASan)
}

TEST(ResourceManager, NewLimitsApplyToNewAdmissions) {
  ResourceManager rm;
  auto a = open(rm, "10.0.0.1"), b = open(rm, "10.0.0.1");
  ASSERT_TRUE(a && b);
  rm.set_limits({.max_connections_per_ip = 1});
  EXPECT_EQ(rm.usage().connections, 2u);  // nothing open is cut
  EXPECT_EQ(refusal(rm, "10.0.0.1"), ResourceRefusal::connections_per_ip);
  EXPECT_STREQ(resource_refusal_label(ResourceRefusal::stream_memory), "stream_memory");
}

}  // namespace
