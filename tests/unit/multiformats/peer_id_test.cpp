// Tests for multiformats/peer_id.hpp: libp2p/specs peer-ids.md examples and key vectors, go-multiaddr's
// p2p text forms (base58 / base36 / base32 CIDs of the same ids).
#include "multiformats/peer_id.hpp"

#include <gtest/gtest.h>

#include <unordered_set>

#include "multiformats/multibase.hpp"
#include "multiformats/multihash.hpp"

using namespace chiral;
using namespace chiral::multiformats;

namespace {

Bytes hex(std::string_view h) {
  Bytes b;
  EXPECT_TRUE(from_hex(h, b)) << h;
  return b;
}

crypto::PublicKey key(std::string_view protobuf_hex) {
  auto k = crypto::PublicKey::from_protobuf(hex(protobuf_hex));
  EXPECT_TRUE(k);
  return *k;
}

// libp2p/specs peer-ids/peer-ids.md "Test vectors" (public keys).
constexpr const char* kEd25519Public = "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
constexpr const char* kSecp256k1Public = "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99";
constexpr const char* kEcdsaPublic =
    "0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0e8f5d530899d83abab44abf3161f1"
    "62a4bc901d8e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62";

}  // namespace

// peer-ids.md "String representation" examples.
TEST(PeerId, SpecExamples) {
  auto sha = PeerId::from_string("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
  ASSERT_TRUE(sha);
  EXPECT_EQ(sha->to_cid_base32(), "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
  auto cid = PeerId::from_string("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
  ASSERT_TRUE(cid);
  EXPECT_EQ(*cid, *sha);
  EXPECT_EQ(cid->to_base58(), "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
  EXPECT_FALSE(sha->extract_public_key());

  auto ed = PeerId::from_string("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");
  ASSERT_TRUE(ed);
  EXPECT_EQ(ed->bytes()[0], 0x00);  // identity multihash
  EXPECT_EQ(ed->bytes().size(), 38u);
  auto pk = ed->extract_public_key();
  ASSERT_TRUE(pk);
  EXPECT_EQ(pk->type(), crypto::KeyType::ed25519);
  EXPECT_TRUE(ed->matches(*pk));
  EXPECT_EQ(PeerId::from_public_key(*pk), *ed);
  EXPECT_EQ(ed->to_string(), "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");
}

// Peer ids of the spec's key vectors. Identity ids are the key protobuf itself; hashed ids were checked
// against an independent Python computation (hashlib + hand-written base58/base32).
TEST(PeerId, FromSpecKeys) {
  struct V {
    const char* key;
    const char* base58;
    const char* cid;
  } vectors[] = {
      {kEd25519Public, "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq",
       "bafzaajaiaejcahwr5d5ofrfbis4l5d6uwr57hu5tjodrypfm6yaq6dsc2r2pzyt6"},
      {kSecp256k1Public, "16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY",
       "bafzaajiiaijcca3xo7uzjzcsyilaj6i54cj44qk7kqzpoao5rti2pjx6udtdbp6kte"},
      {kEcdsaPublic, "QmVMT29id3TUASyfZZ6k9hmNyc2nYabCo4uMSpDw4zrgDk",
       "bafzbeidigywdclqvl5hxfefwp5onbffcfife7pza57mmfb4tiqmtkdjw64"},
  };
  for (const auto& v : vectors) {
    SCOPED_TRACE(v.base58);
    const auto k = key(v.key);
    const PeerId id = PeerId::from_public_key(k);
    EXPECT_EQ(id.to_base58(), v.base58);
    EXPECT_EQ(id.to_cid_base32(), v.cid);
    EXPECT_TRUE(id.matches(k));
    auto parsed = PeerId::from_string(v.base58);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, id);
    auto parsed_cid = PeerId::from_string(v.cid);
    ASSERT_TRUE(parsed_cid);
    EXPECT_EQ(*parsed_cid, id);
  }
  // Identity ids carry the key; the 95-byte ECDSA key is hashed and cannot be extracted.
  EXPECT_EQ(to_hex(PeerId::from_public_key(key(kEd25519Public)).bytes()), std::string("0024") + kEd25519Public);
  auto secp = PeerId::from_public_key(key(kSecp256k1Public)).extract_public_key();
  ASSERT_TRUE(secp);
  EXPECT_EQ(to_hex(secp->to_protobuf()), kSecp256k1Public);
  EXPECT_FALSE(PeerId::from_public_key(key(kEcdsaPublic)).extract_public_key());
  EXPECT_FALSE(PeerId::from_public_key(key(kEcdsaPublic)).matches(key(kEd25519Public)));
}

// go-multiaddr multiaddr_test.go "good" table: the same two peers in base58, base36 and base32 CIDs.
TEST(PeerId, CidTextForms) {
  const char* sha_forms[] = {"QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
                             "k2k4r8oqamigqdo6o7hsbfwd45y70oyynp98usk7zmyfrzpqxh1pohl7",
                             "bafzbeigvf25ytwc3akrijfecaotc74udrhcxzh2cx3we5qqnw5vgrei4bm"};
  const char* ed_forms[] = {"12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV",
                            "k51qzi5uqu5dhb6l8spkdx7yxafegfkee5by8h7lmjh2ehc2sgg34z7c15vzqs",
                            "bafzaajaiaejcalj543iwv2d7pkjt7ykvefrkfu7qjfi6sduakhso4lay6abn2d5u"};
  for (auto* forms : {sha_forms, ed_forms}) {
    auto first = PeerId::from_string(forms[0]);
    ASSERT_TRUE(first) << forms[0];
    for (int i = 1; i < 3; ++i) {
      auto other = PeerId::from_string(forms[i]);
      ASSERT_TRUE(other) << forms[i] << ": " << other.error().message();
      EXPECT_EQ(*other, *first) << forms[i];
      EXPECT_EQ(other->to_base58(), forms[0]);
    }
    EXPECT_EQ(first->to_cid_base32(), forms[2]);
  }
  EXPECT_EQ(to_hex(PeerId::from_string(sha_forms[0])->bytes()),
            "1220d52ebb89d85b02a284948203a62ff28389c57c9f42beec4ec20db76a68911c0b");
}

TEST(PeerId, Rejects) {
  // go-multiaddr: sha256 multihash with a digest longer than 32 bytes.
  EXPECT_FALSE(PeerId::from_string("QmxoHT6iViN5xAjoz1VZ553cL31U9F94ht3QvWR1FrEbZY"));
  EXPECT_EQ(PeerId::from_string("").error(), make_error_code(PeerIdError::invalid_text));
  EXPECT_EQ(PeerId::from_string("12D3KooW0OIl").error(), make_error_code(PeerIdError::invalid_text));
  EXPECT_EQ(PeerId::from_string("xyz").error(), make_error_code(PeerIdError::invalid_text));
  EXPECT_EQ(PeerId::from_string(std::string(300, '1')).error(), make_error_code(PeerIdError::too_large));
  // CIDv1 with the raw codec (0x55) instead of libp2p-key.
  Bytes raw_cid{0x01, 0x55};
  append(raw_cid, multihash::sha2_256(as_bytes("x")));
  EXPECT_EQ(PeerId::from_string(multibase::encode(multibase::Base::base32, raw_cid)).error(), make_error_code(PeerIdError::wrong_codec));
  // CID version 0 marker / version 2.
  Bytes v2{0x02, 0x72};
  append(v2, multihash::sha2_256(as_bytes("x")));
  EXPECT_EQ(PeerId::from_string(multibase::encode(multibase::Base::base32, v2)).error(), make_error_code(PeerIdError::invalid_cid));

  // Bytes: identity longer than 42, sha2-256 of the wrong length, other hash codes, trailing bytes.
  EXPECT_EQ(PeerId::from_bytes(multihash::identity(Bytes(43, 1))).error(),
            make_error_code(PeerIdError::unsupported_hash));
  EXPECT_TRUE(PeerId::from_bytes(multihash::identity(Bytes(42, 1))));
  EXPECT_EQ(PeerId::from_bytes(multihash::encode(0x12, Bytes(31, 1))).error(),
            make_error_code(PeerIdError::unsupported_hash));
  EXPECT_EQ(PeerId::from_bytes(multihash::encode(0x13, Bytes(64, 1))).error(),
            make_error_code(PeerIdError::unsupported_hash));
  Bytes trailing = multihash::sha2_256(as_bytes("x"));
  trailing.push_back(0);
  EXPECT_EQ(PeerId::from_bytes(trailing).error(), make_error_code(PeerIdError::invalid_multihash));
  EXPECT_EQ(PeerId::from_bytes({}).error(), make_error_code(PeerIdError::invalid_multihash));
  // An identity id whose bytes are not a key parses, but yields no key.
  auto junk = PeerId::from_bytes(multihash::identity(as_bytes("not a key")));
  ASSERT_TRUE(junk);
  EXPECT_FALSE(junk->extract_public_key());

  // Found by fuzz_peer_id: a valid Ed25519 key protobuf plus an unknown field (14, fixed32) parses as a
  // key whose own peer id is the 36-byte canonical form, not this id: no key may be extracted from it.
  Bytes padded = to_bytes("\x08\x01\x12\x20");
  padded.resize(padded.size() + 32, 0x42);
  append(padded, Bytes{0x75, 0xff, 0xff, 0x12, 0xbd});
  auto alias = PeerId::from_bytes(multihash::identity(padded));
  ASSERT_TRUE(alias);
  ASSERT_TRUE(crypto::PublicKey::from_protobuf(padded));
  EXPECT_FALSE(alias->matches(*crypto::PublicKey::from_protobuf(padded)));
  EXPECT_FALSE(alias->extract_public_key());
}

TEST(PeerId, OrderingAndHash) {
  auto a = *PeerId::from_string("QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC");
  auto b = *PeerId::from_string("12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV");
  EXPECT_TRUE(b < a);  // 0x00... sorts before 0x12...
  EXPECT_FALSE(a < b);
  EXPECT_NE(a, b);
  std::unordered_set<PeerId> set{a, b, a};
  EXPECT_EQ(set.size(), 2u);
}
