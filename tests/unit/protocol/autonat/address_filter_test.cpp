// Address selection for AutoNAT dial-backs: the special-range table (v4 and v6), transports we dial,
// first-50 bound, IP family, same-IP rule of v1 (libp2p/specs autonat/autonat-v2.md, autonat-v1.md).
#include <gtest/gtest.h>

#include "crypto/keys.hpp"
#include "protocol/autonat/address_filter.hpp"

using namespace chiral;
using namespace chiral::autonat;
using multiformats::Multiaddr;

namespace {

Bytes ma(std::string_view text) {
  auto m = Multiaddr::from_string(text);
  EXPECT_TRUE(m) << text;
  return m ? m->bytes() : Bytes{};
}

IpAddress ip_of(std::string_view text) {
  auto m = Multiaddr::from_string(std::string(text) + "/tcp/1");
  EXPECT_TRUE(m) << text;
  return *IpAddress::from_bytes(m->components()[0].value);
}

const IpAddress kObserved = IpAddress::v4(1, 2, 3, 4);

}  // namespace

struct ClassCase {
  const char* ip;
  IpClass cls;
};

class IpClassTable : public ::testing::TestWithParam<ClassCase> {};

TEST_P(IpClassTable, Classifies) {
  const auto& c = GetParam();
  EXPECT_EQ(classify_ip(ip_of(c.ip)), c.cls) << c.ip << " is " << ip_class_name(classify_ip(ip_of(c.ip)));
}

INSTANTIATE_TEST_SUITE_P(
    Ranges, IpClassTable,
    ::testing::Values(
        ClassCase{"/ip4/10.0.0.1", IpClass::private_use}, ClassCase{"/ip4/10.255.255.255", IpClass::private_use},
        ClassCase{"/ip4/172.16.0.1", IpClass::private_use}, ClassCase{"/ip4/172.31.255.254", IpClass::private_use},
        ClassCase{"/ip4/172.32.0.1", IpClass::public_unicast}, ClassCase{"/ip4/172.15.255.255", IpClass::public_unicast},
        ClassCase{"/ip4/192.168.1.1", IpClass::private_use}, ClassCase{"/ip4/127.0.0.1", IpClass::loopback},
        ClassCase{"/ip4/127.255.0.9", IpClass::loopback}, ClassCase{"/ip4/169.254.10.1", IpClass::link_local},
        ClassCase{"/ip4/100.64.0.1", IpClass::cgnat}, ClassCase{"/ip4/100.127.255.255", IpClass::cgnat},
        ClassCase{"/ip4/100.128.0.1", IpClass::public_unicast}, ClassCase{"/ip4/0.0.0.0", IpClass::unspecified},
        ClassCase{"/ip4/0.1.2.3", IpClass::this_network}, ClassCase{"/ip4/224.0.0.1", IpClass::multicast},
        ClassCase{"/ip4/239.255.255.250", IpClass::multicast}, ClassCase{"/ip4/240.0.0.1", IpClass::reserved},
        ClassCase{"/ip4/255.255.255.255", IpClass::reserved}, ClassCase{"/ip4/192.0.2.7", IpClass::documentation},
        ClassCase{"/ip4/198.18.0.1", IpClass::benchmarking}, ClassCase{"/ip4/8.8.8.8", IpClass::public_unicast},
        ClassCase{"/ip4/1.2.3.4", IpClass::public_unicast}, ClassCase{"/ip6/::1", IpClass::loopback},
        ClassCase{"/ip6/::", IpClass::unspecified}, ClassCase{"/ip6/fe80::1", IpClass::link_local},
        ClassCase{"/ip6/febf::1", IpClass::link_local}, ClassCase{"/ip6/fc00::1", IpClass::unique_local},
        ClassCase{"/ip6/fd12:3456::1", IpClass::unique_local}, ClassCase{"/ip6/ff02::1", IpClass::multicast},
        ClassCase{"/ip6/2001:db8::1", IpClass::documentation}, ClassCase{"/ip6/64:ff9b::1.2.3.4", IpClass::reserved},
        ClassCase{"/ip6/2606:4700:4700::1111", IpClass::public_unicast},
        ClassCase{"/ip6/2a00:1450:4001::1", IpClass::public_unicast},
        ClassCase{"/ip6/::ffff:10.0.0.1", IpClass::private_use},   // mapped: classified as IPv4
        ClassCase{"/ip6/::ffff:8.8.8.8", IpClass::public_unicast}));

TEST(AddressFilter, MappedIpv6EqualsIpv4) {
  EXPECT_EQ(ip_of("/ip6/::ffff:1.2.3.4"), IpAddress::v4(1, 2, 3, 4));
  EXPECT_FALSE(ip_of("/ip6/::ffff:1.2.3.4").v6);
}

TEST(AddressFilter, SkipsNonPublicUnlessAllowed) {
  const std::vector<Bytes> addrs = {ma("/ip4/10.0.0.1/tcp/4001"), ma("/ip4/127.0.0.1/tcp/4001"),
                                    ma("/ip6/fe80::1/tcp/4001"), ma("/ip4/100.64.1.1/tcp/4001"),
                                    ma("/ip4/5.6.7.8/tcp/4001")};
  DialPolicy policy;
  auto r = first_dialable(addrs, kObserved, policy);
  ASSERT_TRUE(std::holds_alternative<DialCandidate>(r));
  const auto& c = std::get<DialCandidate>(r);
  EXPECT_EQ(c.index, 4u);
  EXPECT_EQ(c.addr.to_string(), "/ip4/5.6.7.8/tcp/4001");
  EXPECT_FALSE(c.same_ip);

  policy.allow_private = true;
  auto p = first_dialable(addrs, kObserved, policy);
  ASSERT_TRUE(std::holds_alternative<DialCandidate>(p));
  EXPECT_EQ(std::get<DialCandidate>(p).index, 0u);
}

TEST(AddressFilter, UnspecifiedAndMulticastNeverDialed) {
  const std::vector<Bytes> addrs = {ma("/ip4/0.0.0.0/tcp/4001"), ma("/ip6/::/tcp/4001"),
                                    ma("/ip4/224.0.0.1/tcp/4001"), ma("/ip6/ff02::1/tcp/4001")};
  DialPolicy policy;
  policy.allow_private = true;
  auto r = first_dialable(addrs, kObserved, policy);
  ASSERT_TRUE(std::holds_alternative<NoDialable>(r));
  EXPECT_EQ(std::get<NoDialable>(r).considered, 4u);
  EXPECT_EQ(std::get<NoDialable>(r).last_reason, AddrSkip::non_public_ip);
}

TEST(AddressFilter, OnlyTcpOrWsOverIpWithOptionalP2p) {
  const auto self = multiformats::PeerId::from_public_key(crypto::Ed25519PrivateKey::generate().public_key());
  const auto other = multiformats::PeerId::from_public_key(crypto::Ed25519PrivateKey::generate().public_key());
  DialPolicy policy;
  struct Case {
    std::string addr;
    std::optional<AddrSkip> skip;
  };
  const std::vector<Case> cases = {
      {"/ip4/5.6.7.8/tcp/4001", std::nullopt},
      {"/ip6/2606:4700::1/tcp/4001", std::nullopt},
      {"/ip4/5.6.7.8/tcp/4001/p2p/" + self.to_base58(), std::nullopt},
      {"/ip4/5.6.7.8/tcp/4001/p2p/" + other.to_base58(), AddrSkip::other_peer},
      {"/ip4/5.6.7.8/tcp/0", AddrSkip::port_zero},
      {"/ip4/5.6.7.8/udp/4001/quic-v1", AddrSkip::unsupported_transport},
      {"/ip4/5.6.7.8/tcp/4001/ws", std::nullopt},
      {"/ip4/5.6.7.8/tcp/4001/ws/p2p/" + self.to_base58(), std::nullopt},
      {"/ip4/5.6.7.8/tcp/4001/wss", AddrSkip::unsupported_transport},
      {"/ip4/5.6.7.8/tcp/4001/tls/ws", AddrSkip::unsupported_transport},
      {"/ip4/5.6.7.8/tcp/4001/p2p/" + self.to_base58() + "/ws", AddrSkip::unsupported_transport},
      {"/dns4/example.com/tcp/4001", AddrSkip::unsupported_transport},
      {"/ip4/5.6.7.8/tcp/4001/p2p/" + other.to_base58() + "/p2p-circuit/p2p/" + self.to_base58(),
       AddrSkip::unsupported_transport},
      {"/ip4/5.6.7.8", AddrSkip::unsupported_transport},
  };
  for (const auto& c : cases) {
    auto r = check_address(ma(c.addr), 0, kObserved, policy, &self);
    if (c.skip) {
      ASSERT_TRUE(std::holds_alternative<AddrSkip>(r)) << c.addr;
      EXPECT_EQ(std::get<AddrSkip>(r), *c.skip) << c.addr;
    } else {
      ASSERT_TRUE(std::holds_alternative<DialCandidate>(r)) << c.addr;
      EXPECT_FALSE(std::get<DialCandidate>(r).addr.peer_id()) << "the /p2p suffix is dropped";
    }
  }
  const Bytes garbage = {0xff, 0xff, 0xff};
  auto g = check_address(garbage, 0, kObserved, policy);
  ASSERT_TRUE(std::holds_alternative<AddrSkip>(g));
  EXPECT_EQ(std::get<AddrSkip>(g), AddrSkip::malformed);
}

TEST(AddressFilter, LooksAtTheFirstFiftyOnly) {
  std::vector<Bytes> addrs(kMaxAddrsConsidered, ma("/ip4/10.0.0.1/tcp/1"));
  addrs.push_back(ma("/ip4/5.6.7.8/tcp/4001"));
  auto r = first_dialable(addrs, kObserved, DialPolicy{});
  ASSERT_TRUE(std::holds_alternative<NoDialable>(r));
  EXPECT_EQ(std::get<NoDialable>(r).considered, kMaxAddrsConsidered);
  auto empty = first_dialable({}, kObserved, DialPolicy{});
  ASSERT_TRUE(std::holds_alternative<NoDialable>(empty));
  EXPECT_FALSE(std::get<NoDialable>(empty).last_reason);
}

TEST(AddressFilter, FamiliesWeCannotReachAreSkipped) {
  const std::vector<Bytes> addrs = {ma("/ip6/2606:4700::1/tcp/4001"), ma("/ip4/5.6.7.8/tcp/4001")};
  DialPolicy v4_only;
  v4_only.dial_ip6 = false;
  auto r = first_dialable(addrs, kObserved, v4_only);
  ASSERT_TRUE(std::holds_alternative<DialCandidate>(r));
  EXPECT_EQ(std::get<DialCandidate>(r).index, 1u);
  DialPolicy none;
  none.dial_ip4 = false;
  none.dial_ip6 = false;
  auto n = first_dialable(addrs, kObserved, none);
  ASSERT_TRUE(std::holds_alternative<NoDialable>(n));
  EXPECT_EQ(std::get<NoDialable>(n).last_reason, AddrSkip::family_unavailable);
}

TEST(AddressFilter, SameIpFlagAndV1SameIpOnly) {
  const std::vector<Bytes> addrs = {ma("/ip4/5.6.7.8/tcp/4001"), ma("/ip4/1.2.3.4/tcp/4001"),
                                    ma("/ip4/1.2.3.4/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"),
                                    ma("/ip4/1.2.3.4/tcp/4002"), ma("/ip6/::ffff:1.2.3.4/tcp/4003")};
  auto first = first_dialable(addrs, kObserved, DialPolicy{});
  ASSERT_TRUE(std::holds_alternative<DialCandidate>(first));
  EXPECT_FALSE(std::get<DialCandidate>(first).same_ip);
  DialPolicy v1;
  v1.same_ip_only = true;
  auto list = dialable_addresses(addrs, kObserved, v1, 10);
  ASSERT_TRUE(std::holds_alternative<std::vector<DialCandidate>>(list));
  const auto& got = std::get<std::vector<DialCandidate>>(list);
  ASSERT_EQ(got.size(), 3u);  // duplicate 4001 (with /p2p) dropped; mapped v6 counts as the same IP
  EXPECT_EQ(got[0].index, 1u);
  EXPECT_EQ(got[1].index, 3u);
  EXPECT_EQ(got[2].index, 4u);
  for (const auto& c : got) EXPECT_TRUE(c.same_ip);
  auto capped = dialable_addresses(addrs, kObserved, v1, 1);
  EXPECT_EQ(std::get<std::vector<DialCandidate>>(capped).size(), 1u);
  const std::vector<Bytes> other = {ma("/ip4/5.6.7.8/tcp/4001")};
  auto none = dialable_addresses(other, kObserved, v1, 10);
  ASSERT_TRUE(std::holds_alternative<NoDialable>(none));
  EXPECT_EQ(std::get<NoDialable>(none).last_reason, AddrSkip::other_ip);
}

TEST(AddressFilter, OwnAddressesAreNeverDialed) {
  DialPolicy policy;
  policy.own_addrs = {*Multiaddr::from_string("/ip4/5.6.7.8/tcp/4001")};
  const std::vector<Bytes> addrs = {ma("/ip4/5.6.7.8/tcp/4001"), ma("/ip4/5.6.7.8/tcp/4002")};
  auto r = first_dialable(addrs, kObserved, policy);
  ASSERT_TRUE(std::holds_alternative<DialCandidate>(r));
  EXPECT_EQ(std::get<DialCandidate>(r).index, 1u);
  auto own = check_address(addrs[0], 0, kObserved, policy);
  ASSERT_TRUE(std::holds_alternative<AddrSkip>(own));
  EXPECT_EQ(std::get<AddrSkip>(own), AddrSkip::own_address);
}
