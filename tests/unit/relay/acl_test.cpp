// Acl: text format (good files, every error with its line number) and allow/deny semantics per scope.
#include "relay/acl.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace chiral::relay {
namespace {

using test::ip;
using test::peer;

Acl parse_ok(const std::string& text) {
  std::string err;
  auto acl = Acl::parse(text, &err);
  EXPECT_TRUE(acl) << err;
  return acl ? *acl : Acl{};
}

TEST(Acl, EmptyAllowsEverything) {
  Acl none;
  EXPECT_EQ(none.rule_count(), 0u);
  EXPECT_TRUE(none.allows(AclScope::reserve, peer(1), ip("1.2.3.4")));
  EXPECT_TRUE(none.allows(AclScope::connect, peer(1), ip("::1")));
  auto blank = parse_ok("\n  \n# only comments\n\t# more\n");
  EXPECT_EQ(blank.rule_count(), 0u);
  EXPECT_TRUE(blank.allows(AclScope::reserve, peer(1), ip("1.2.3.4")));
  EXPECT_EQ(parse_ok("").rule_count(), 0u);
}

TEST(Acl, ParsesAGoodFile) {
  const std::string text =
      "# chiral relay ACL\n"
      "reserve allow peer " + peer(1).to_base58() + "\n"
      "\n"
      "reserve  allow\tip   10.0.0.0/8   # office\r\n"
      "reserve deny ip 10.66.0.0/16\n"
      "connect deny peer " + peer(2).to_cid_base32() + "\n"
      "   connect deny ip 2001:db8::/32\n"
      "connect deny ip 192.0.2.7";  // no trailing newline
  auto acl = parse_ok(text);
  EXPECT_EQ(acl.rule_count(), 6u);
  EXPECT_TRUE(acl.allows(AclScope::reserve, peer(1), ip("8.8.8.8")));     // allowed by id
  EXPECT_TRUE(acl.allows(AclScope::reserve, peer(3), ip("10.1.2.3")));    // allowed by ip
  EXPECT_FALSE(acl.allows(AclScope::reserve, peer(3), ip("8.8.8.8")));    // allow list is exclusive
  EXPECT_FALSE(acl.allows(AclScope::reserve, peer(1), ip("10.66.1.1")));  // deny beats allow
  EXPECT_FALSE(acl.allows(AclScope::connect, peer(2), ip("8.8.8.8")));    // CID text peer id
  EXPECT_FALSE(acl.allows(AclScope::connect, peer(3), ip("2001:db8::5")));
  EXPECT_FALSE(acl.allows(AclScope::connect, peer(3), ip("192.0.2.7")));
  EXPECT_TRUE(acl.allows(AclScope::connect, peer(3), ip("192.0.2.8")));
  EXPECT_TRUE(acl.allows(AclScope::connect, peer(1), ip("8.8.8.8")));    // no connect allow list
}

struct BadCase {
  std::string text;
  AclError error;
  std::string message_prefix;
};

TEST(Acl, EveryErrorNamesItsLine) {
  const std::string good = "reserve allow ip 10.0.0.0/8\n";
  const std::vector<BadCase> cases = {
      {good + "reserve allow ip\n", AclError::field_count, "line 2: expected"},
      {"# c\n\n" + good + "reserve allow ip 1.2.3.4 extra\n", AclError::field_count, "line 4: expected"},
      {"reserve\n", AclError::field_count, "line 1: expected"},
      {good + good + "relay allow ip 1.2.3.4\n", AclError::bad_scope, "line 3: scope must be"},
      {"RESERVE allow ip 1.2.3.4\n", AclError::bad_scope, "line 1: scope must be"},
      {good + "reserve permit ip 1.2.3.4\n", AclError::bad_action, "line 2: action must be"},
      {good + "connect deny host 1.2.3.4\n", AclError::bad_kind, "line 2: kind must be"},
      {good + "connect deny peer QmNotAPeerId\n", AclError::bad_peer_id, "line 2: invalid peer id"},
      {good + "connect deny peer 10.0.0.1\n", AclError::bad_peer_id, "line 2: invalid peer id"},
      {good + "connect deny ip 10.0.0.0/33\n", AclError::bad_address, "line 2: invalid IP address or CIDR"},
      {good + "connect deny ip " + peer(1).to_base58() + "\n", AclError::bad_address, "line 2: invalid IP"},
      {"\r\n\r\nconnect deny ip 1.2.3\r\n", AclError::bad_address, "line 3: invalid IP"},
  };
  for (const auto& c : cases) {
    std::string err;
    auto acl = Acl::parse(c.text, &err);
    ASSERT_FALSE(acl) << c.text;
    EXPECT_EQ(acl.error(), make_error_code(c.error)) << c.text;
    EXPECT_EQ(err.rfind(c.message_prefix, 0), 0u) << "got: " << err;
    EXPECT_FALSE(Acl::parse(c.text, nullptr)) << c.text;  // no message wanted: still fails
  }
  std::string err;
  Acl::parse("connect deny ip 999.1.1.1\n", &err);
  EXPECT_EQ(err, "line 1: invalid IP address or CIDR, got '999.1.1.1'");
  EXPECT_EQ(make_error_code(AclError::bad_kind).category().name(), std::string("chiral.relay.acl"));
}

TEST(Acl, RejectsHugeText) {
  std::string err;
  auto acl = Acl::parse(std::string(Acl::kMaxTextSize + 1, '#'), &err);
  ASSERT_FALSE(acl);
  EXPECT_EQ(acl.error(), make_error_code(AclError::too_large));
  EXPECT_FALSE(err.empty());
}

TEST(Acl, DenyBeatsAllow) {
  auto acl = parse_ok(
      "reserve allow peer " + peer(1).to_base58() + "\n"
      "reserve deny peer " + peer(1).to_base58() + "\n"
      "reserve allow ip 0.0.0.0/0\n"
      "reserve deny ip 10.0.0.1\n");
  EXPECT_FALSE(acl.allows(AclScope::reserve, peer(1), ip("8.8.8.8")));
  EXPECT_FALSE(acl.allows(AclScope::reserve, peer(2), ip("10.0.0.1")));
  EXPECT_TRUE(acl.allows(AclScope::reserve, peer(2), ip("10.0.0.2")));
}

TEST(Acl, AllowListIsExclusivePerScope) {
  auto acl = parse_ok("reserve allow peer " + peer(1).to_base58() + "\n");
  EXPECT_TRUE(acl.allows(AclScope::reserve, peer(1), ip("1.1.1.1")));
  EXPECT_FALSE(acl.allows(AclScope::reserve, peer(2), ip("1.1.1.1")));
  EXPECT_TRUE(acl.allows(AclScope::connect, peer(2), ip("1.1.1.1")));  // other scope unaffected

  auto by_ip = parse_ok("connect allow ip 192.168.0.0/16\n");
  EXPECT_TRUE(by_ip.allows(AclScope::connect, peer(5), ip("192.168.3.4")));
  EXPECT_FALSE(by_ip.allows(AclScope::connect, peer(5), ip("192.169.0.1")));
  EXPECT_FALSE(by_ip.allows(AclScope::connect, peer(5), ip("::1")));
  EXPECT_TRUE(by_ip.allows(AclScope::reserve, peer(5), ip("::1")));
}

TEST(Acl, SubnetEdges) {
  auto v4_all = parse_ok("reserve deny ip 0.0.0.0/0\n");
  EXPECT_FALSE(v4_all.allows(AclScope::reserve, peer(1), ip("0.0.0.0")));
  EXPECT_FALSE(v4_all.allows(AclScope::reserve, peer(1), ip("255.255.255.255")));
  EXPECT_FALSE(v4_all.allows(AclScope::reserve, peer(1), ip("::ffff:8.8.8.8")));
  EXPECT_TRUE(v4_all.allows(AclScope::reserve, peer(1), ip("2001:db8::1")));

  auto v6_all = parse_ok("reserve deny ip ::/0\n");
  EXPECT_FALSE(v6_all.allows(AclScope::reserve, peer(1), ip("::")));
  EXPECT_FALSE(v6_all.allows(AclScope::reserve, peer(1), ip("2001:db8::1")));
  EXPECT_TRUE(v6_all.allows(AclScope::reserve, peer(1), ip("8.8.8.8")));

  auto hosts = parse_ok("connect deny ip 203.0.113.9/32\nconnect deny ip 2001:db8::9/128\n");
  EXPECT_FALSE(hosts.allows(AclScope::connect, peer(1), ip("203.0.113.9")));
  EXPECT_TRUE(hosts.allows(AclScope::connect, peer(1), ip("203.0.113.8")));
  EXPECT_TRUE(hosts.allows(AclScope::connect, peer(1), ip("203.0.113.10")));
  EXPECT_FALSE(hosts.allows(AclScope::connect, peer(1), ip("2001:db8::9")));
  EXPECT_TRUE(hosts.allows(AclScope::connect, peer(1), ip("2001:db8::8")));
  EXPECT_TRUE(hosts.allows(AclScope::connect, peer(1), ip("2001:db8::a")));
}

TEST(Acl, MappedIpv4MatchesBothWays) {
  auto mapped_rule = parse_ok("reserve deny ip ::ffff:10.0.0.0/104\n");
  EXPECT_FALSE(mapped_rule.allows(AclScope::reserve, peer(1), ip("10.1.2.3")));
  EXPECT_FALSE(mapped_rule.allows(AclScope::reserve, peer(1), ip("::ffff:10.1.2.3")));
  EXPECT_TRUE(mapped_rule.allows(AclScope::reserve, peer(1), ip("11.1.2.3")));

  auto v4_rule = parse_ok("reserve deny ip 10.0.0.0/8\nreserve deny ip ::ffff:172.16.0.1\n");
  EXPECT_FALSE(v4_rule.allows(AclScope::reserve, peer(1), ip("::ffff:10.1.2.3")));
  EXPECT_FALSE(v4_rule.allows(AclScope::reserve, peer(1), ip("172.16.0.1")));
}

}  // namespace
}  // namespace chiral::relay
