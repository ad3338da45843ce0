// Tests for ChaChaPoly: RFC 8439 section 2.8.2 AEAD vector, Noise nonce layout, in-place use, tampering.
#include "crypto/chachapoly.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace chiral::crypto {
namespace {

Bytes hex(std::string_view h) {
  Bytes out;
  EXPECT_TRUE(from_hex(h, out)) << h;
  return out;
}

struct Rfc8439Vector {
  Bytes key = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
  Bytes nonce = hex("070000004041424344454647");
  Bytes aad = hex("50515253c0c1c2c3c4c5c6c7");
  Bytes plaintext = to_bytes(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, "
      "sunscreen would be it.");
  Bytes ciphertext = hex(
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b"
      "1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
      "3ff4def08e4b7a9de576d26586cec64b6116");
  Bytes tag = hex("1ae10b594f09e26a7e902ecbd0600691");
};

TEST(ChaChaPoly, Rfc8439Section282Encrypt) {
  Rfc8439Vector v;
  ChaChaPoly c(v.key.data());
  Bytes out(v.plaintext.size() + kChaChaPolyTagSize);
  EXPECT_EQ(c.encrypt_raw(v.nonce.data(), v.aad, v.plaintext, out.data()), out.size());
  Bytes expected = v.ciphertext;
  append(expected, v.tag);
  EXPECT_EQ(to_hex(out), to_hex(expected));
}

TEST(ChaChaPoly, Rfc8439Section282DecryptInPlaceAndReuse) {
  Rfc8439Vector v;
  ChaChaPoly c(v.key.data());
  for (int round = 0; round < 3; ++round) {  // the context is reused: each call must start afresh
    Bytes buf = v.ciphertext;
    append(buf, v.tag);
    auto n = c.decrypt_raw(v.nonce.data(), v.aad, buf, buf.data());
    ASSERT_TRUE(n) << n.error().message();
    EXPECT_EQ(*n, v.plaintext.size());
    EXPECT_EQ(Bytes(buf.begin(), buf.begin() + *n), v.plaintext);
  }
}

TEST(ChaChaPoly, EncryptInPlace) {
  Rfc8439Vector v;
  ChaChaPoly c(v.key.data());
  Bytes buf = v.plaintext;
  buf.resize(buf.size() + kChaChaPolyTagSize);
  c.encrypt_raw(v.nonce.data(), v.aad, BytesView(buf.data(), v.plaintext.size()), buf.data());
  Bytes expected = v.ciphertext;
  append(expected, v.tag);
  EXPECT_EQ(buf, expected);
}

TEST(ChaChaPoly, TamperedInputFailsAndZeroesOutput) {
  Rfc8439Vector v;
  ChaChaPoly c(v.key.data());
  Bytes sealed = v.ciphertext;
  append(sealed, v.tag);
  for (std::size_t pos : {std::size_t{0}, v.ciphertext.size() - 1, sealed.size() - 1}) {
    Bytes bad = sealed;
    bad[pos] ^= 0x01;
    Bytes out(bad.size(), 0xAA);
    auto r = c.decrypt_raw(v.nonce.data(), v.aad, bad, out.data());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(PrimitiveError::auth_failed));
    EXPECT_TRUE(std::all_of(out.begin(), out.begin() + v.ciphertext.size(), [](auto b) { return b == 0; }));
  }
  Bytes wrong_aad = v.aad;
  wrong_aad[0] ^= 1;
  Bytes out(sealed.size());
  EXPECT_FALSE(c.decrypt_raw(v.nonce.data(), wrong_aad, sealed, out.data()));
  // Still usable after failures.
  EXPECT_TRUE(c.decrypt_raw(v.nonce.data(), v.aad, sealed, out.data()));
  // Shorter than a tag.
  EXPECT_FALSE(c.decrypt_raw(v.nonce.data(), v.aad, BytesView(sealed.data(), 15), out.data()));
}

TEST(ChaChaPoly, NoiseNonceIsFourZerosThenLittleEndianCounter) {
  auto n = noise_nonce(0x0807060504030201ull);
  EXPECT_EQ(to_hex(n), "000000000102030405060708");
  Rfc8439Vector v;
  ChaChaPoly c(v.key.data());
  Bytes a(v.plaintext.size() + 16), b(v.plaintext.size() + 16);
  c.encrypt(0x0807060504030201ull, v.aad, v.plaintext, a.data());
  c.encrypt_raw(n.data(), v.aad, v.plaintext, b.data());
  EXPECT_EQ(a, b);
  auto d = c.decrypt(0x0807060504030201ull, v.aad, a, a.data());
  ASSERT_TRUE(d);
  EXPECT_EQ(Bytes(a.begin(), a.begin() + *d), v.plaintext);
  EXPECT_FALSE(c.decrypt(1, v.aad, b, b.data()));  // wrong nonce
}

TEST(ChaChaPoly, EmptyPlaintextAndRekeyAndMove) {
  Bytes key(32);
  std::iota(key.begin(), key.end(), 1);
  ChaChaPoly c(key.data());
  std::uint8_t tag[16];
  EXPECT_EQ(c.encrypt(5, {}, {}, tag), 16u);
  auto r = c.decrypt(5, {}, BytesView(tag, 16), nullptr);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0u);

  ChaChaPoly moved(std::move(c));
  EXPECT_TRUE(moved.decrypt(5, {}, BytesView(tag, 16), nullptr));
  Bytes key2(32, 0x42);
  moved.set_key(key2.data());
  EXPECT_FALSE(moved.decrypt(5, {}, BytesView(tag, 16), nullptr));
  ChaChaPoly fresh(key2.data());
  std::uint8_t tag2[16];
  fresh.encrypt(5, {}, {}, tag2);
  EXPECT_TRUE(moved.decrypt(5, {}, BytesView(tag2, 16), nullptr));
}

}  // namespace
}  // namespace chiral::crypto
