// Tests for crypto/keys.hpp against the libp2p/specs peer-ids.md key vectors and RFC 8032 section 7.1.
#include "crypto/keys.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

using namespace chiral;
using namespace chiral::crypto;

namespace {

Bytes hex(std::string_view h) {
  Bytes b;
  EXPECT_TRUE(from_hex(h, b)) << h;
  return b;
}

// Strips the 4-byte (or longer) protobuf header "08 TT 12 LEN" and returns the Data field.
Bytes data_field(const Bytes& pb) {
  std::size_t i = 3;  // after 08 TT 12
  std::size_t len = 0, shift = 0;
  while (pb[i] & 0x80) {
    len |= std::size_t(pb[i++] & 0x7f) << shift;
    shift += 7;
  }
  len |= std::size_t(pb[i++]) << shift;
  EXPECT_EQ(i + len, pb.size());
  return Bytes(pb.begin() + i, pb.end());
}

Bytes flip_bit(Bytes b, std::size_t bit) {
  b[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  return b;
}

// libp2p/specs peer-ids/peer-ids.md "Test vectors" (hex of the protobuf encodings).
constexpr const char* kEcdsaPrivate =
    "08031279307702010104203e5b1fe9712e6c314942a750bd67485de3c1efe85b1bfb520ae8f9ae3dfa4a4ca00a06082a"
    "8648ce3d030107a14403420004de3d300fa36ae0e8f5d530899d83abab44abf3161f162a4bc901d8e6ecda020e8b6d5f"
    "8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62";
constexpr const char* kEcdsaPublic =
    "0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0e8f5d530899d83abab44"
    "abf3161f162a4bc901d8e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62";
constexpr const char* kEd25519Private =
    "080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8fd4"
    "b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
constexpr const char* kEd25519Public =
    "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
constexpr const char* kSecp256k1Private =
    "0802122053dadf1d5a164d6b4acdb15e24aa4c5b1d3461bdbd42abedb0a4404d56ced8fb";
constexpr const char* kSecp256k1Public =
    "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99";
constexpr const char* kRsaPrivate =
    "080012ae123082092a0201000282020100e1beab071d08200bde24eef00d049449b07770ff9910257b2d7d5dda242ce8"
    "f0e2f12e1af4b32d9efd2c090f66b0f29986dbb645dae9880089704a94e5066d594162ae6ee8892e6ec70701db0a6c44"
    "5c04778eb3de1293aa1a23c3825b85c6620a2bc3f82f9b0c309bc0ab3aeb1873282bebd3da03c33e76c21e9beb172fd4"
    "4c9e43be32e2c99827033cf8d0f0c606f4579326c930eb4e854395ad941256542c793902185153c474bed109d6ff5141"
    "ebf9cd256cf58893a37f83729f97e7cb435ec679d2e33901d27bb35aa0d7e20561da08885ef0abbf8e2fb48d6a548704"
    "7a9ecb1ad41fa7ed84f6e3e8ecd5d98b3982d2a901b4454991766da295ab78822add5612a2df83bcee814cf50973e80d"
    "7ef38111b1bd87da2ae92438a2c8cbcc70b31ee319939a3b9c761dbc13b5c086d6b64bf7ae7dacc14622375d92a8ff9a"
    "f7eb962162bbddebf90acb32adb5e4e4029f1c96019949ecfbfeffd7ac1e3fbcc6b6168c34be3d5a2e5999fcbb39bba7"
    "adbca78eab09b9bc39f7fa4b93411f4cc175e70c0a083e96bfaefb04a9580b4753c1738a6a760ae1afd851a1a4bdad23"
    "1cf56e9284d832483df215a46c1c21bdf0c6cfe951c18f1ee4078c79c13d63edb6e14feaeffabc90ad317e4875fe6481"
    "01b0864097e998f0ca3025ef9638cd2b0caecd3770ab54a1d9c6ca959b0f5dcbc90caeefc4135baca6fd475224269bbe"
    "1b02030100010282020100a472ffa858efd8588ce59ee264b957452f3673acdf5631d7bfd5ba0ef59779c231b0bc838a"
    "8b14cae367b6d9ef572c03c7883b0a3c652f5c24c316b1ccfd979f13d0cd7da20c7d34d9ec32dfdc81ee7292167e706d"
    "705efde5b8f3edfcba41409e642f8897357df5d320d21c43b33600a7ae4e505db957c1afbc189d73f0b5d972d9aaaeeb"
    "232ca20eebd5de6fe7f29d01470354413cc9a0af1154b7af7c1029adcd67c74b4798afeb69e09f2cb387305e73a1b5f4"
    "50202d54f0ef096fe1bde340219a1194d1ac9026e90b366cce0c59b239d10e4888f52ca1780824d39ae01a6b9f4dd605"
    "9191a7f12b2a3d8db3c2868cd4e5a5862b8b625a4197d52c6ac77710116ebd3ced81c4d91ad5fdfbed68312ebce7eea4"
    "5c1833ca3acf7da2052820eacf5c6b07d086dabeb893391c71417fd8a4b1829ae2cf60d1749d0e25da19530d889461c2"
    "1da3492a8dc6ccac7de83ac1c2185262c7473c8cc42f547cc9864b02a8073b6aa54a037d8c0de3914784e6205e83d979"
    "18b944f11b877b12084c0dd1d36592f8a4f8b8da5bb404c3d2c079b22b6ceabfbcb637c0dbe0201f0909d533f8bf308a"
    "da47aee641a012a494d31b54c974e58b87f140258258bb82f31692659db7aa07e17a5b2a0832c24e122d3a8babcc9ee7"
    "4cbb07d3058bb85b15f6f6b2674aba9fd34367be9782d444335fbed31e3c4086c652597c27104938b47fa10282010100"
    "e9fdf843c1550070ca711cb8ff28411466198f0e212511c3186623890c0071bf6561219682fe7dbdfd81176eba7c4fab"
    "a21614a20721e0fcd63768e6d925688ecc90992059ac89256e0524de90bf3d8a052ce6a9f6adafa712f3107a016e20c8"
    "0255c9e37d8206d1bc327e06e66eb24288da866b55904fd8b59e6b2ab31bc5eab47e597093c63fab7872102d57b4c589"
    "c66077f534a61f5f65127459a33c91f6db61fc431b1ae90be92b4149a3255291baf94304e3efb77b1107b5a3bda91135"
    "9c40a53c347ff9100baf8f36dc5cd991066b5bdc28b39ed644f404afe9213f4d31c9d4e40f3a5f5e3c39bebeb244e841"
    "37544e1a1839c1c8aaebf0c78a7fad590282010100f6fa1f1e6b803742d5490b7441152f500970f46feb0b73a6e4baba"
    "2aaf3c0e245ed852fc31d86a8e46eb48e90fac409989dfee45238f97e8f1f8e83a136488c1b04b8a7fb695f37b861630"
    "7ff8a8d63e8cfa0b4fb9b9167ffaebabf111aa5a4344afbabd002ae8961c38c02da76a9149abdde93eb389eb32595c29"
    "ba30d8283a7885218a5a9d33f7f01dbdf85f3aad016c071395491338ec318d39220e1c7bd69d3d6b520a13a30d745c10"
    "2b827ad9984b0dd6aed73916ffa82a06c1c111e7047dcd2668f988a0570a71474992eecf416e068f029ec323d5d635fd"
    "24694fc9bf96973c255d26c772a95bf8b7f876547a5beabf86f06cd21b67994f944e7a5493028201010095b02fd30069"
    "e547426a8bea58e8a2816f33688dac6c6f6974415af8402244a22133baedf34ce499d7036f3f19b38eb00897c18949b0"
    "c5a25953c71aeeccfc8f6594173157cc854bd98f16dffe8f28ca13b77eb43a2730585c49fc3f608cd811bb54b03b84bd"
    "daa8ef910988567f783012266199667a546a18fd88271fbf63a45ae4fd4884706da8befb9117c0a4d73de5172f8640b1"
    "091ed8a4aea3ed4641463f5ff6a5e3401ad7d0c92811f87956d1fd5f9a1d15c7f3839a08698d9f35f9d966e5000f7cb2"
    "655d7b6c4adcd8a9d950ea5f61bb7c9a33c17508f9baa313eecfee4ae493249ebe05a5d7770bbd3551b2eeb752e3649e"
    "0636de08e3d672e66cb90282010100ad93e4c31072b063fc5ab5fe22afacece775c795d0efdf7c704cfc027bde0d626a"
    "7646fc905bb5a80117e3ca49059af14e0160089f9190065be9bfecf12c3b2145b211c8e89e42dd91c38e9aa23ca73697"
    "063564f6f6aa6590088a738722df056004d18d7bccac62b3bafef6172fc2a4b071ea37f31eff7a076bcab7dd144e51a9"
    "da8754219352aef2c73478971539fa41de4759285ea626fa3c72e7085be47d554d915bbb5149cb6ef835351f23104304"
    "9cd941506a034bf2f8767f3e1e42ead92f91cb3d75549b57ef7d56ac39c2d80d67f6a2b4ca192974bfc5060e2dd17121"
    "7971002193dba12e7e4133ab201f07500a90495a38610279b13a48d54f0c99028201003e3a1ac0c2b67d54ed5c4bbe04"
    "a7db99103659d33a4f9d35809e1f60c282e5988dddc964527f3b05e6cc890eab3dcb571d66debf3a5527704c87264b39"
    "54d7265f4e8d2c637dd89b491b9cf23f264801f804b90454d65af0c4c830d1aef76f597ef61b26ca857ecce9cb78d4f6"
    "c2218c00d2975d46c2b013fbf59b750c3b92d8d3ed9e6d1fd0ef1ec091a5c286a3fe2dead292f40f380065731e2079eb"
    "b9f2a7ef2c415ecbb488da98f3a12609ca1b6ec8c734032c8bd513292ff842c375d4acd1b02dfb206b24cd815f8e2f9d"
    "4af8e7dea0370b19c1b23cc531d78b40e06e1119ee2e08f6f31c6e2e8444c568d13c5d451a291ae0c9f1d4f27d23b3a0"
    "0d60ad";
constexpr const char* kRsaPublic =
    "080012a60430820222300d06092a864886f70d01010105000382020f003082020a0282020100e1beab071d08200bde24"
    "eef00d049449b07770ff9910257b2d7d5dda242ce8f0e2f12e1af4b32d9efd2c090f66b0f29986dbb645dae988008970"
    "4a94e5066d594162ae6ee8892e6ec70701db0a6c445c04778eb3de1293aa1a23c3825b85c6620a2bc3f82f9b0c309bc0"
    "ab3aeb1873282bebd3da03c33e76c21e9beb172fd44c9e43be32e2c99827033cf8d0f0c606f4579326c930eb4e854395"
    "ad941256542c793902185153c474bed109d6ff5141ebf9cd256cf58893a37f83729f97e7cb435ec679d2e33901d27bb3"
    "5aa0d7e20561da08885ef0abbf8e2fb48d6a5487047a9ecb1ad41fa7ed84f6e3e8ecd5d98b3982d2a901b4454991766d"
    "a295ab78822add5612a2df83bcee814cf50973e80d7ef38111b1bd87da2ae92438a2c8cbcc70b31ee319939a3b9c761d"
    "bc13b5c086d6b64bf7ae7dacc14622375d92a8ff9af7eb962162bbddebf90acb32adb5e4e4029f1c96019949ecfbfeff"
    "d7ac1e3fbcc6b6168c34be3d5a2e5999fcbb39bba7adbca78eab09b9bc39f7fa4b93411f4cc175e70c0a083e96bfaefb"
    "04a9580b4753c1738a6a760ae1afd851a1a4bdad231cf56e9284d832483df215a46c1c21bdf0c6cfe951c18f1ee4078c"
    "79c13d63edb6e14feaeffabc90ad317e4875fe648101b0864097e998f0ca3025ef9638cd2b0caecd3770ab54a1d9c6ca"
    "959b0f5dcbc90caeefc4135baca6fd475224269bbe1b0203010001";

// --- OpenSSL helpers for producing signatures with the spec's non-Ed25519 private keys -----------------

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey load_private(int type, const Bytes& der) {
  const unsigned char* p = der.data();
  Pkey k(d2i_PrivateKey(type, nullptr, &p, static_cast<long>(der.size())));
  EXPECT_TRUE(k != nullptr);
  return k;
}

Bytes spki_of(EVP_PKEY* k) {
  unsigned char* out = nullptr;
  const int n = i2d_PUBKEY(k, &out);
  EXPECT_GT(n, 0);
  Bytes b(out, out + n);
  OPENSSL_free(out);
  return b;
}

// SEC1 compressed form (02/03 || x) of an EC key's public point.
Bytes compressed_point_of(EVP_PKEY* k) {
  Bytes b(133);
  std::size_t len = 0;
  EXPECT_EQ(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, b.data(), b.size(), &len), 1);
  b.resize(len);
  if (len == 65 && b[0] == 0x04) {
    Bytes c{static_cast<std::uint8_t>(0x02 | (b[64] & 1))};
    c.insert(c.end(), b.begin() + 1, b.begin() + 33);
    return c;
  }
  return b;
}

Bytes openssl_sign_sha256(EVP_PKEY* k, BytesView msg) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EXPECT_EQ(EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, k, nullptr), 1);
  std::size_t len = 0;
  EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, msg.data(), msg.size()), 1);
  Bytes sig(len);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), sig.data(), &len, msg.data(), msg.size()), 1);
  sig.resize(len);
  return sig;
}

Pkey keygen(const char* type, const char* param) {
  return Pkey(param ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, param)
                    : EVP_PKEY_Q_keygen(nullptr, nullptr, type));
}

Pkey rsa_keygen(unsigned bits) {
  return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
}

const Bytes kMessage = to_bytes("libp2p-chiral test message");

}  // namespace

// --- Ed25519 ----------------------------------------------------------------------------------------

TEST(Keys, Ed25519SpecVector) {
  auto priv = Ed25519PrivateKey::from_protobuf(hex(kEd25519Private));
  ASSERT_TRUE(priv) << priv.error().message();
  EXPECT_EQ(to_hex(priv->public_key().to_protobuf()), kEd25519Public);
  EXPECT_EQ(to_hex(priv->to_protobuf()), kEd25519Private);
  EXPECT_EQ(to_hex(priv->seed()), "7e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d");

  auto pub = PublicKey::from_protobuf(hex(kEd25519Public));
  ASSERT_TRUE(pub) << pub.error().message();
  EXPECT_EQ(pub->type(), KeyType::ed25519);
  EXPECT_EQ(to_hex(pub->raw()), "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e");
  EXPECT_EQ(to_hex(pub->to_protobuf()), kEd25519Public);
  EXPECT_TRUE(*pub == priv->public_key());

  const Bytes sig = priv->sign(kMessage);
  ASSERT_EQ(sig.size(), 64u);
  EXPECT_TRUE(pub->verify(kMessage, sig));
  EXPECT_FALSE(pub->verify(flip_bit(kMessage, 3), sig));
  for (std::size_t bit : {0u, 100u, 511u}) EXPECT_FALSE(pub->verify(kMessage, flip_bit(sig, bit))) << bit;
  EXPECT_FALSE(pub->verify(kMessage, BytesView(sig).first(63)));
  EXPECT_FALSE(pub->verify(kMessage, {}));
}

// RFC 8032 section 7.1, TEST 1 and TEST 2.
TEST(Keys, Ed25519Rfc8032) {
  struct V {
    const char *seed, *pub, *msg, *sig;
  } vectors[] = {
      {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
      {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
  };
  for (const auto& v : vectors) {
    auto key = Ed25519PrivateKey::from_seed(hex(v.seed));
    ASSERT_TRUE(key);
    EXPECT_EQ(to_hex(key->public_key().raw()), v.pub);
    EXPECT_EQ(to_hex(key->sign(hex(v.msg))), v.sig);
    auto pub = PublicKey::from_raw(KeyType::ed25519, hex(v.pub));
    ASSERT_TRUE(pub);
    EXPECT_TRUE(pub->verify(hex(v.msg), hex(v.sig)));
    EXPECT_FALSE(pub->verify(hex(v.msg), flip_bit(hex(v.sig), 7)));
    EXPECT_FALSE(pub->verify(to_bytes("x"), hex(v.sig)));
  }
}

TEST(Keys, Ed25519PrivateForms) {
  const Bytes seed = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  const Bytes pub = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  auto wrap = [](const Bytes& data) {
    Bytes pb;
    pb.reserve(4 + data.size());
    for (std::uint8_t b : {0x08, 0x01, 0x12}) pb.push_back(b);
    pb.push_back(static_cast<std::uint8_t>(data.size()));
    pb.insert(pb.end(), data.begin(), data.end());
    return pb;
  };
  Bytes canonical = seed;
  append(canonical, pub);

  // 32-byte seed only.
  auto k32 = Ed25519PrivateKey::from_protobuf(wrap(seed));
  ASSERT_TRUE(k32);
  EXPECT_EQ(k32->to_protobuf(), wrap(canonical));

  // go's legacy seed||pub||pub.
  Bytes legacy = canonical;
  append(legacy, pub);
  auto k96 = Ed25519PrivateKey::from_protobuf(wrap(legacy));
  ASSERT_TRUE(k96) << k96.error().message();
  EXPECT_EQ(k96->to_protobuf(), wrap(canonical));  // written back in the 64-byte form

  Bytes bad_legacy = legacy;
  bad_legacy.back() ^= 1;
  EXPECT_EQ(Ed25519PrivateKey::from_protobuf(wrap(bad_legacy)).error(), make_error_code(KeyError::key_mismatch));
  Bytes bad_both = flip_bit(legacy, 8 * 40);
  bad_both[72] ^= 0x01;  // both halves equal but not the seed's public key
  EXPECT_EQ(Ed25519PrivateKey::from_protobuf(wrap(bad_both)).error(), make_error_code(KeyError::key_mismatch));

  // 64 bytes whose public half does not belong to the seed.
  EXPECT_EQ(Ed25519PrivateKey::from_protobuf(wrap(flip_bit(canonical, 8 * 63))).error(),
            make_error_code(KeyError::key_mismatch));

  // Other lengths.
  for (std::size_t n : {0u, 31u, 33u, 63u, 65u, 95u, 97u}) {
    Bytes data(n, 0x42);
    EXPECT_EQ(Ed25519PrivateKey::from_protobuf(wrap(data)).error(), make_error_code(KeyError::invalid_key_length)) << n;
  }
  EXPECT_EQ(Ed25519PrivateKey::from_seed(Bytes(31, 1)).error(), make_error_code(KeyError::invalid_key_length));
}

TEST(Keys, Ed25519PrivateRejectsOtherTypes) {
  for (const char* v : {kRsaPrivate, kSecp256k1Private, kEcdsaPrivate}) {
    auto k = Ed25519PrivateKey::from_protobuf(hex(v));
    ASSERT_FALSE(k);
    EXPECT_EQ(k.error(), make_error_code(KeyError::unsupported_key_type));
  }
}

TEST(Keys, GenerateSignVerifyRoundTrip) {
  auto a = Ed25519PrivateKey::generate();
  auto b = Ed25519PrivateKey::generate();
  EXPECT_FALSE(a.public_key() == b.public_key());
  auto again = Ed25519PrivateKey::from_protobuf(a.to_protobuf());
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->public_key() == a.public_key());
  const Bytes sig = a.sign(kMessage);
  EXPECT_TRUE(again->public_key().verify(kMessage, sig));
  EXPECT_FALSE(b.public_key().verify(kMessage, sig));

  auto pub = PublicKey::from_protobuf(a.public_key().to_protobuf());
  ASSERT_TRUE(pub);
  EXPECT_TRUE(pub->verify(kMessage, sig));

  // Copies share state; a "moved-from" key still works because moves copy.
  Ed25519PrivateKey c = a;
  Ed25519PrivateKey d = std::move(c);
  EXPECT_EQ(c.sign(kMessage), d.sign(kMessage));  // NOLINT(bugprone-use-after-move): deliberate
}

// --- secp256k1 --------------------------------------------------------------------------------------

TEST(Keys, Secp256k1SpecVector) {
  auto pub = PublicKey::from_protobuf(hex(kSecp256k1Public));
  ASSERT_TRUE(pub) << pub.error().message();
  EXPECT_EQ(pub->type(), KeyType::secp256k1);
  EXPECT_EQ(pub->raw().size(), 33u);
  EXPECT_EQ(to_hex(pub->to_protobuf()), kSecp256k1Public);

  // The spec's private key is the raw 32-byte scalar; wrap it in SEC1 DER (no public key, so OpenSSL
  // derives it) and check the derived compressed point is the spec's public key.
  Bytes sec1 = hex("302e0201010420");
  append(sec1, data_field(hex(kSecp256k1Private)));
  append(sec1, hex("a00706052b8104000a"));
  Pkey priv = load_private(EVP_PKEY_EC, sec1);
  ASSERT_TRUE(priv);
  EXPECT_EQ(to_hex(compressed_point_of(priv.get())), to_hex(pub->raw()));

  const Bytes sig = openssl_sign_sha256(priv.get(), kMessage);
  EXPECT_TRUE(pub->verify(kMessage, sig));
  EXPECT_FALSE(pub->verify(flip_bit(kMessage, 0), sig));
  EXPECT_FALSE(pub->verify(kMessage, flip_bit(sig, sig.size() * 8 - 1)));
  Bytes trailing = sig;
  trailing.push_back(0);
  EXPECT_FALSE(pub->verify(kMessage, trailing));  // not strict DER
  EXPECT_FALSE(pub->verify(kMessage, {}));
}

TEST(Keys, Secp256k1RejectsBadPoints) {
  const Bytes good = data_field(hex(kSecp256k1Public));
  Bytes not_on_curve(33, 0);
  not_on_curve[0] = 0x02;
  not_on_curve[32] = 5;  // x = 5: x^3 + 7 is not a square mod p
  EXPECT_EQ(PublicKey::from_raw(KeyType::secp256k1, not_on_curve).error(), make_error_code(KeyError::invalid_key));
  Bytes bad_prefix = good;
  bad_prefix[0] = 0x04;
  EXPECT_EQ(PublicKey::from_raw(KeyType::secp256k1, bad_prefix).error(), make_error_code(KeyError::invalid_key));
  EXPECT_EQ(PublicKey::from_raw(KeyType::secp256k1, BytesView(good).first(32)).error(),
            make_error_code(KeyError::invalid_key_length));
  Bytes x_too_big(33, 0xff);
  x_too_big[0] = 0x03;
  EXPECT_FALSE(PublicKey::from_raw(KeyType::secp256k1, x_too_big));
}

// --- ECDSA ------------------------------------------------------------------------------------------

TEST(Keys, EcdsaSpecVector) {
  auto pub = PublicKey::from_protobuf(hex(kEcdsaPublic));
  ASSERT_TRUE(pub) << pub.error().message();
  EXPECT_EQ(pub->type(), KeyType::ecdsa);
  EXPECT_EQ(to_hex(pub->to_protobuf()), kEcdsaPublic);

  Pkey priv = load_private(EVP_PKEY_EC, data_field(hex(kEcdsaPrivate)));  // SEC1 ECPrivateKey DER
  ASSERT_TRUE(priv);
  EXPECT_EQ(to_hex(spki_of(priv.get())), to_hex(pub->raw()));

  const Bytes sig = openssl_sign_sha256(priv.get(), kMessage);
  EXPECT_TRUE(pub->verify(kMessage, sig));
  EXPECT_FALSE(pub->verify(flip_bit(kMessage, 9), sig));
  EXPECT_FALSE(pub->verify(kMessage, flip_bit(sig, 8 * 10)));
}

TEST(Keys, EcdsaCurves) {
  for (const char* curve : {"P-256", "P-384", "P-521"}) {
    Pkey k = keygen("EC", curve);
    ASSERT_TRUE(k) << curve;
    auto pub = PublicKey::from_raw(KeyType::ecdsa, spki_of(k.get()));
    ASSERT_TRUE(pub) << curve << ": " << pub.error().message();
    EXPECT_TRUE(pub->verify(kMessage, openssl_sign_sha256(k.get(), kMessage))) << curve;
  }
  Pkey p224 = keygen("EC", "P-224");
  ASSERT_TRUE(p224);
  EXPECT_EQ(PublicKey::from_raw(KeyType::ecdsa, spki_of(p224.get())).error(),
            make_error_code(KeyError::unsupported_curve));
  // An Ed25519 SPKI is not an ECDSA key.
  Pkey ed = keygen("ED25519", nullptr);
  ASSERT_TRUE(ed);
  EXPECT_EQ(PublicKey::from_raw(KeyType::ecdsa, spki_of(ed.get())).error(), make_error_code(KeyError::invalid_key));
  // Trailing garbage after the DER.
  Bytes spki = data_field(hex(kEcdsaPublic));
  spki.push_back(0);
  EXPECT_EQ(PublicKey::from_raw(KeyType::ecdsa, spki).error(), make_error_code(KeyError::invalid_key));
}

// --- RSA --------------------------------------------------------------------------------------------

TEST(Keys, RsaSpecVector) {
  auto pub = PublicKey::from_protobuf(hex(kRsaPublic));
  ASSERT_TRUE(pub) << pub.error().message();
  EXPECT_EQ(pub->type(), KeyType::rsa);
  EXPECT_EQ(to_hex(pub->to_protobuf()), kRsaPublic);

  Pkey priv = load_private(EVP_PKEY_RSA, data_field(hex(kRsaPrivate)));  // PKCS#1 RSAPrivateKey DER
  ASSERT_TRUE(priv);
  EXPECT_EQ(EVP_PKEY_get_bits(priv.get()), 4096);
  EXPECT_EQ(to_hex(spki_of(priv.get())), to_hex(pub->raw()));

  const Bytes sig = openssl_sign_sha256(priv.get(), kMessage);
  EXPECT_EQ(sig.size(), 512u);
  EXPECT_TRUE(pub->verify(kMessage, sig));
  EXPECT_FALSE(pub->verify(flip_bit(kMessage, 1), sig));
  EXPECT_FALSE(pub->verify(kMessage, flip_bit(sig, 8 * 200)));
  EXPECT_FALSE(pub->verify(kMessage, BytesView(sig).first(511)));
}

TEST(Keys, RsaKeySizeBounds) {
  Pkey small = rsa_keygen(1024);
  ASSERT_TRUE(small);
  EXPECT_EQ(PublicKey::from_raw(KeyType::rsa, spki_of(small.get())).error(),
            make_error_code(KeyError::key_size_out_of_range));
  Pkey ok = rsa_keygen(2048);
  ASSERT_TRUE(ok);
  auto pub = PublicKey::from_raw(KeyType::rsa, spki_of(ok.get()));
  ASSERT_TRUE(pub);
  EXPECT_TRUE(pub->verify(kMessage, openssl_sign_sha256(ok.get(), kMessage)));
  // An EC key is not RSA.
  EXPECT_EQ(PublicKey::from_raw(KeyType::rsa, data_field(hex(kEcdsaPublic))).error(),
            make_error_code(KeyError::invalid_key));
}

// --- Malformed input --------------------------------------------------------------------------------

TEST(Keys, MalformedPublicKeyProtobufs) {
  const auto malformed = make_error_code(KeyError::malformed_protobuf);
  EXPECT_EQ(PublicKey::from_protobuf({}).error(), malformed);
  EXPECT_EQ(PublicKey::from_protobuf(hex("0801")).error(), malformed);                    // Data missing
  EXPECT_EQ(PublicKey::from_protobuf(hex("1200")).error(), malformed);                      // Type missing
  EXPECT_EQ(PublicKey::from_protobuf(hex("080112201ed1e8")).error(), malformed);          // truncated
  EXPECT_EQ(PublicKey::from_protobuf(hex("ff")).error(), malformed);
  // Unknown key type 7 (proto2 treats an unknown enum value as absent).
  EXPECT_FALSE(PublicKey::from_protobuf(hex("08071200")));
  // Ed25519 key of the wrong length.
  EXPECT_EQ(PublicKey::from_protobuf(hex("080112021ed1")).error(), make_error_code(KeyError::invalid_key_length));
  EXPECT_EQ(PublicKey::from_raw(KeyType::ed25519, Bytes(33, 1)).error(), make_error_code(KeyError::invalid_key_length));
  EXPECT_EQ(PublicKey::from_raw(static_cast<KeyType>(9), Bytes(32, 1)).error(),
            make_error_code(KeyError::unsupported_key_type));
  // Too large.
  Bytes huge{0x08, 0x00, 0x12, 0xb8, 0x17};
  huge.resize(huge.size() + 3000, 0x30);
  EXPECT_EQ(PublicKey::from_protobuf(huge).error(), make_error_code(KeyError::too_large));
  // Garbage DER for RSA/ECDSA.
  EXPECT_EQ(PublicKey::from_raw(KeyType::rsa, hex("3003020101")).error(), make_error_code(KeyError::invalid_key));
  EXPECT_EQ(PublicKey::from_raw(KeyType::ecdsa, {}).error(), make_error_code(KeyError::invalid_key_length));
}

TEST(Keys, RandomBytesNeverCrash) {
  std::mt19937 rng(1234);
  const Bytes seeds[] = {hex(kEd25519Public), hex(kSecp256k1Public), hex(kEcdsaPublic), hex(kEd25519Private)};
  for (int i = 0; i < 2000; ++i) {
    Bytes b = seeds[i % 4];
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) b[rng() % b.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    if (rng() % 3 == 0) b.resize(rng() % b.size());
    auto pub = PublicKey::from_protobuf(b);
    if (pub) (void)pub->verify(kMessage, Bytes(64, 0));
    (void)Ed25519PrivateKey::from_protobuf(b);
  }
}

TEST(Keys, ErrorCategory) {
  const error_code ec = KeyError::key_mismatch;
  EXPECT_STREQ(ec.category().name(), "chiral.crypto.keys");
  EXPECT_EQ(ec.message(), "public key does not match private key");
  EXPECT_EQ(key_type_name(KeyType::secp256k1), "Secp256k1");
}
