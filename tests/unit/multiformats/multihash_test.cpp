// Tests for multiformats/multihash.hpp (multiformats/multihash README examples).
#include "multiformats/multihash.hpp"

#include <gtest/gtest.h>

using namespace chiral;
using namespace chiral::multiformats;

namespace {
Bytes hex(std::string_view h) {
  Bytes b;
  EXPECT_TRUE(from_hex(h, b)) << h;
  return b;
}
}  // namespace

TEST(Multihash, Sha256OfMultihash) {
  // multihash README: sha2-256 of "multihash".
  EXPECT_EQ(to_hex(multihash::sha2_256(as_bytes("multihash"))),
            "12209cbc07c3f991725836a3aa2a581ca2029198aa420b9d99bc0e131d9f3e2cbe47");
  const Bytes mh = hex("12209cbc07c3f991725836a3aa2a581ca2029198aa420b9d99bc0e131d9f3e2cbe47");
  auto v = multihash::decode(mh);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->code, multihash::kSha2_256);
  EXPECT_EQ(v->digest.size(), 32u);
}

TEST(Multihash, Identity) {
  EXPECT_EQ(to_hex(multihash::identity(as_bytes("abc"))), "0003616263");
  EXPECT_EQ(to_hex(multihash::identity({})), "0000");
  const Bytes mh = hex("0003616263");
  auto v = multihash::decode(mh);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->code, multihash::kIdentity);
  EXPECT_EQ(as_string_view(v->digest), "abc");
}

TEST(Multihash, MultiByteCode) {
  // certhash example from go-multiaddr: code 0xd5 0x01 (213), 16-byte digest.
  const Bytes mh = hex("d501103858f62230ac3c915f300c664312c63f");
  auto v = multihash::decode(mh);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->code, 213u);
  EXPECT_EQ(v->digest.size(), 16u);
  EXPECT_EQ(multihash::encode(213, v->digest), hex("d501103858f62230ac3c915f300c664312c63f"));
}

TEST(Multihash, Errors) {
  EXPECT_EQ(multihash::decode({}).error(), make_error_code(MultihashError::truncated));
  EXPECT_EQ(multihash::decode(hex("12")).error(), make_error_code(MultihashError::truncated));
  EXPECT_EQ(multihash::decode(hex("1220aabb")).error(), make_error_code(MultihashError::truncated));
  EXPECT_EQ(multihash::decode(hex("000161ff")).error(), make_error_code(MultihashError::trailing_bytes));
  EXPECT_EQ(multihash::decode(hex("8000")).error(), make_error_code(MultihashError::invalid_varint));
  EXPECT_EQ(multihash::decode(hex("00ffffffffffffffffff01")).error(),
            make_error_code(MultihashError::invalid_varint));
  EXPECT_EQ(multihash::decode(hex("00ffff03")).error(), make_error_code(MultihashError::too_large));
}
