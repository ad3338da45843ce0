// Tests for X25519: RFC 7748 section 6.1 vectors and low-order point rejection.
#include "crypto/x25519.hpp"

#include <gtest/gtest.h>

#include "core/bytes.hpp"

namespace chiral::crypto {
namespace {

X25519Key key(std::string_view h) {
  Bytes b;
  EXPECT_TRUE(from_hex(h, b));
  X25519Key k{};
  std::copy(b.begin(), b.end(), k.begin());
  return k;
}

TEST(X25519, Rfc7748Section61) {
  const auto alice_priv = key("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const auto bob_priv = key("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  const auto alice = X25519KeyPair::from_private(alice_priv.data());
  const auto bob = X25519KeyPair::from_private(bob_priv.data());
  EXPECT_EQ(to_hex(alice.pub), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  EXPECT_EQ(to_hex(bob.pub), "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  auto s1 = x25519(alice.priv, bob.pub);
  auto s2 = x25519(bob.priv, alice.pub);
  ASSERT_TRUE(s1);
  ASSERT_TRUE(s2);
  EXPECT_EQ(to_hex(*s1), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  EXPECT_EQ(*s1, *s2);
}

TEST(X25519, GenerateAgrees) {
  auto a = X25519KeyPair::generate();
  auto b = X25519KeyPair::generate();
  EXPECT_NE(a.priv, b.priv);
  EXPECT_EQ(X25519KeyPair::from_private(a.priv.data()).pub, a.pub);
  auto s1 = x25519(a.priv, b.pub);
  auto s2 = x25519(b.priv, a.pub);
  ASSERT_TRUE(s1 && s2);
  EXPECT_EQ(*s1, *s2);
}

TEST(X25519, RejectsLowOrderPoints) {
  const auto a = X25519KeyPair::generate();
  // 0, 1 and a point of order 8 (RFC 7748 / libsodium blocklist).
  for (auto h : {"0000000000000000000000000000000000000000000000000000000000000000",
                 "0100000000000000000000000000000000000000000000000000000000000000",
                 "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"}) {
    auto r = x25519(a.priv, key(h));
    ASSERT_FALSE(r) << h;
    EXPECT_EQ(r.error(), make_error_code(PrimitiveError::low_order_point)) << h;
  }
}

}  // namespace
}  // namespace chiral::crypto
