// Tests for HMAC-SHA256 (RFC 4231) and Noise HKDF (equal to RFC 5869 HKDF with empty info: test case 3).
#include "crypto/hkdf.hpp"

#include <gtest/gtest.h>

namespace chiral::crypto {
namespace {

TEST(HmacSha256, Rfc4231Cases1And2) {
  Bytes key1(20, 0x0b);
  EXPECT_EQ(to_hex(hmac_sha256(key1, as_bytes("Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(to_hex(hmac_sha256(as_bytes("Jefe"), as_bytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(NoiseHkdf, MatchesRfc5869TestCase3) {
  // Salt (our chaining key) empty, info empty: T(1) || T(2) = OKM.
  Bytes ikm(22, 0x0b);
  auto out = noise_hkdf2({}, ikm);
  EXPECT_EQ(to_hex(out.first), "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d");
  EXPECT_EQ(to_hex(out.second).substr(0, 20), "9d201395faa4b61a96c8");
  auto out3 = noise_hkdf3({}, ikm);
  EXPECT_EQ(out3.first, out.first);
  EXPECT_EQ(out3.second, out.second);
  // T(3) = HMAC(PRK, T(2) || 0x03) with PRK from the RFC.
  Bytes prk;
  ASSERT_TRUE(from_hex("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04", prk));
  Bytes t3_input(out.second.begin(), out.second.end());
  t3_input.push_back(0x03);
  EXPECT_EQ(out3.third, hmac_sha256(prk, t3_input));
}

}  // namespace
}  // namespace chiral::crypto
