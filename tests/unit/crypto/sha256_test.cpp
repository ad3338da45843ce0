// Tests for crypto/sha256.hpp with the FIPS 180-4 example vectors (NIST CSRC "SHA256.pdf").
#include "crypto/sha256.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace chiral;
using namespace chiral::crypto;

TEST(Sha256, NistVectors) {
  EXPECT_EQ(to_hex(sha256(as_bytes(""))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(to_hex(sha256(as_bytes("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(sha256(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string million(1000000, 'a');
  EXPECT_EQ(to_hex(sha256(as_bytes(million))), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, MultiEqualsConcatenation) {
  std::uint8_t out[kSha256Size];
  sha256_multi({as_bytes("ab"), as_bytes(""), as_bytes("c")}, out);
  EXPECT_EQ(to_hex(out), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
