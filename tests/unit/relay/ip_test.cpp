// IpAddr / Subnet: parsing, canonical text, mapped-IPv4 normalisation and CIDR matching.
#include "relay/ip.hpp"

#include <unordered_set>

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace chiral::relay {
namespace {

using test::ip;

TEST(IpAddr, ParsesIpv4) {
  auto a = IpAddr::parse("192.168.1.20");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->v6);
  EXPECT_EQ(a->to_string(), "192.168.1.20");
  EXPECT_EQ(*a, IpAddr::v4(0xc0a80114));
  EXPECT_EQ(IpAddr::parse("0.0.0.0")->to_string(), "0.0.0.0");
  EXPECT_EQ(IpAddr::parse("255.255.255.255")->to_string(), "255.255.255.255");
}

TEST(IpAddr, RejectsBadIpv4) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", " 1.2.3.4", "1.2.3.4 ",
                          "1.2.3.4.", ".1.2.3.4", "1.2.3.-4", "1.2.3.1000", "a.b.c.d", "1.2.3.4/8"}) {
    EXPECT_FALSE(IpAddr::parse(bad)) << bad;
  }
}

TEST(IpAddr, ParsesIpv6AndPrintsCanonically) {
  struct Case {
    const char* in;
    const char* out;
  };
  for (auto [in, out] : std::initializer_list<Case>{
           {"::", "::"},
           {"::1", "::1"},
           {"1::", "1::"},
           {"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
           {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},  // longest run wins; first on a tie
           {"1:0:0:2:0:0:3:4", "1::2:0:0:3:4"},
           {"1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"},        // a single zero group is not compressed
           {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
           {"[fe80::abcd]", "fe80::abcd"},
           {"64:ff9b::1.2.3.4", "64:ff9b::102:304"},
           {"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
       }) {
    auto a = IpAddr::parse(in);
    ASSERT_TRUE(a) << in;
    EXPECT_TRUE(a->v6) << in;
    EXPECT_EQ(a->to_string(), out) << in;
    EXPECT_EQ(IpAddr::parse(a->to_string()), a) << in;
  }
}

TEST(IpAddr, RejectsBadIpv6) {
  for (const char* bad : {":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "::g", "fe80::1%eth0",
                          ":1::", "1::2:", "1.2.3.4::", "::1.2.3", "::1.2.3.4:5", "1:2:3:4:5:6:7:8::", "[::1",
                          "::ffff:256.1.1.1", "1:2:3:4:5:6:1.2.3.4:5"}) {
    EXPECT_FALSE(IpAddr::parse(bad)) << bad;
  }
}

TEST(IpAddr, MappedIpv4IsNormalised) {
  EXPECT_EQ(ip("::ffff:1.2.3.4"), ip("1.2.3.4"));
  EXPECT_EQ(ip("::FFFF:102:304"), ip("1.2.3.4"));
  EXPECT_FALSE(ip("::ffff:1.2.3.4").v6);
  EXPECT_EQ(ip("::ffff:1.2.3.4").to_string(), "1.2.3.4");
  // IPv4-compatible (deprecated) and NAT64 are real IPv6 addresses, distinct from the IPv4 one.
  EXPECT_NE(ip("::1.2.3.4"), ip("1.2.3.4"));
  EXPECT_NE(ip("64:ff9b::1.2.3.4"), ip("1.2.3.4"));

  std::array<std::uint8_t, 16> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 7};
  EXPECT_EQ(IpAddr::v6_from(mapped), ip("10.0.0.7"));
  EXPECT_EQ(IpAddr::from_bytes(mapped), ip("10.0.0.7"));
  const std::uint8_t four[] = {10, 0, 0, 7};
  EXPECT_EQ(IpAddr::from_bytes(four), ip("10.0.0.7"));
  const std::uint8_t five[] = {1, 2, 3, 4, 5};
  EXPECT_FALSE(IpAddr::from_bytes(five));
}

TEST(IpAddr, HashableAndOrdered) {
  std::unordered_set<IpAddr> set{ip("1.2.3.4"), ip("::ffff:1.2.3.4"), ip("::102:304"), ip("::1")};
  EXPECT_EQ(set.size(), 3u);
  EXPECT_TRUE(set.contains(ip("1.2.3.4")));
  EXPECT_LT(ip("1.2.3.4"), ip("1.2.3.5"));
  EXPECT_LT(ip("255.255.255.255"), ip("::"));  // all IPv4 sort before IPv6
}

TEST(Subnet, Ipv4Blocks) {
  auto s = Subnet::parse("10.0.0.0/8");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->contains(ip("10.0.0.0")));
  EXPECT_TRUE(s->contains(ip("10.255.255.255")));
  EXPECT_FALSE(s->contains(ip("11.0.0.0")));
  EXPECT_FALSE(s->contains(ip("9.255.255.255")));
  EXPECT_TRUE(s->contains(ip("::ffff:10.1.2.3")));  // mapped normalised on parse

  auto odd = Subnet::parse("10.0.0.0/9");
  EXPECT_TRUE(odd->contains(ip("10.127.255.255")));
  EXPECT_FALSE(odd->contains(ip("10.128.0.0")));

  EXPECT_EQ(Subnet::parse("10.1.2.3/8"), s);  // host bits cleared
  EXPECT_EQ(Subnet::parse("10.1.2.3/8")->to_string(), "10.0.0.0/8");

  auto all = Subnet::parse("0.0.0.0/0");
  EXPECT_TRUE(all->contains(ip("0.0.0.0")));
  EXPECT_TRUE(all->contains(ip("255.255.255.255")));
  EXPECT_FALSE(all->contains(ip("::1")));

  auto host = Subnet::parse("1.2.3.4/32");
  EXPECT_TRUE(host->contains(ip("1.2.3.4")));
  EXPECT_FALSE(host->contains(ip("1.2.3.5")));
  EXPECT_EQ(Subnet::parse("1.2.3.4"), host);  // a bare address is a /32
}

TEST(Subnet, Ipv6Blocks) {
  auto s = Subnet::parse("2001:db8::/32");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->contains(ip("2001:db8:ffff:ffff::1")));
  EXPECT_FALSE(s->contains(ip("2001:db9::")));
  EXPECT_FALSE(s->contains(ip("32.1.13.184")));  // same leading bytes, other family

  auto odd = Subnet::parse("2001:db8::/33");
  EXPECT_TRUE(odd->contains(ip("2001:db8:7fff::")));
  EXPECT_FALSE(odd->contains(ip("2001:db8:8000::")));

  auto all = Subnet::parse("::/0");
  EXPECT_TRUE(all->contains(ip("::")));
  EXPECT_TRUE(all->contains(ip("ffff::1")));
  EXPECT_FALSE(all->contains(ip("1.2.3.4")));  // IPv4 (and mapped IPv4) only via 0.0.0.0/0
  EXPECT_FALSE(all->contains(ip("::ffff:1.2.3.4")));

  auto host = Subnet::parse("::1/128");
  EXPECT_TRUE(host->contains(ip("::1")));
  EXPECT_FALSE(host->contains(ip("::2")));
  EXPECT_EQ(Subnet::parse("::1"), host);
  EXPECT_EQ(Subnet::parse("[::1]/128"), host);
}

TEST(Subnet, MappedBlocksBecomeIpv4) {
  auto s = Subnet::parse("::ffff:10.0.0.0/104");
  ASSERT_TRUE(s);
  EXPECT_EQ(s, Subnet::parse("10.0.0.0/8"));
  EXPECT_TRUE(s->contains(ip("10.9.8.7")));
  EXPECT_EQ(Subnet::parse("::ffff:0.0.0.0/96"), Subnet::parse("0.0.0.0/0"));
  EXPECT_EQ(Subnet::parse("::ffff:1.2.3.4/128"), Subnet::parse("1.2.3.4/32"));
  EXPECT_EQ(Subnet::parse("::ffff:1.2.3.4"), Subnet::parse("1.2.3.4/32"));
  // A shorter prefix leaves the mapped range: it is an ordinary IPv6 block.
  auto wide = Subnet::parse("::ffff:0.0.0.0/80");
  EXPECT_TRUE(wide->base.v6);
  EXPECT_EQ(wide->to_string(), "::/80");
}

TEST(Subnet, RejectsBadText) {
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/08", "/8", "x/8",
                          "10.0.0.0/8/9", "10.0.0.0/ 8", "10.0.0.0/1000", "", "10.0.0/8"}) {
    EXPECT_FALSE(Subnet::parse(bad)) << bad;
  }
  EXPECT_TRUE(Subnet::parse("10.0.0.0/0"));
  EXPECT_TRUE(Subnet::parse("::/128"));
}

}  // namespace
}  // namespace chiral::relay
