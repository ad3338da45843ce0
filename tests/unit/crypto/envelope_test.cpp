// Tests for crypto/envelope.hpp (libp2p/specs RFC 0002 signed envelopes, RFC 0003 peer records) with
// envelopes produced by go-libp2p and js-libp2p, plus OpenSSL-signed ECDSA envelopes and tamper checks.
#include "crypto/envelope.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/uvarint.hpp"
#include "proto/envelope.pb.h"

using namespace chiral;
using namespace chiral::crypto;

namespace {

Bytes hex(std::string_view h) {
  Bytes b;
  EXPECT_TRUE(from_hex(h, b)) << h;
  return b;
}

template <class T>
error_code error_of(const Result<T>& r) {
  return r ? error_code{} : r.error();
}

// go-libp2p-core record/envelope_test.go (commit b18a4c9c) output, published as an interop vector in
// nim-libp2p tests/libp2p/test_signed_envelope.nim: domain "libp2p-testing", payload type
// "/libp2p/testdata", payload "hello world!", Ed25519 signer.
constexpr const char* kGoEnvelope =
    "0a24080112206f1581709bb7b1ef030d210db18e3b0ba1c776fba65d8cdaad05415142d189f812102f6c69627032702f7465"
    "7374646174611a0c68656c6c6f20776f726c64212a401178673b51dfa842aad17e465e25d646ad16628916b964c3fb10c711"
    "fee87872bdd4e4646f58c277cdff09704913d8be1aec6322de8d3d0bb852120374aece08";
// The same with the payload altered ("he" -> 00 00), from the same nim test.
constexpr const char* kGoEnvelopeAltered =
    "0a24080112206f1581709bb7b1ef030d210db18e3b0ba1c776fba65d8cdaad05415142d189f812102f6c69627032702f7465"
    "7374646174611a0c00006c6c6f20776f726c64212a401178673b51dfa842aad17e465e25d646ad16628916b964c3fb10c711"
    "fee87872bdd4e4646f58c277cdff09704913d8be1aec6322de8d3d0bb852120374aece08";

// A go-libp2p signed peer record and its private key, from js-libp2p packages/peer-record/test/
// peer-record.spec.ts ("de/serializes the same as a go record"): peer 12D3KooWB1b3qZxWJanuhtseF3DmPggHCtG36KZ9ixkqHtdKH9fh,
// addrs /ip4/1.2.3.4/tcp/0 .. /tcp/9.
constexpr const char* kGoPeerRecordKey =
    "0801124085fbe72b6064289004a531f967898df5319ee02992fdd84021fa5052434bf6ee11bba3ed1721948cefb4e50b0a0b"
    "b5cad8a6b52dc7b1a40f4f6652105c91e2c4";
constexpr const char* kGoPeerRecord =
    "0a240801122011bba3ed1721948cefb4e50b0a0bb5cad8a6b52dc7b1a40f4f6652105c91e2c4120203011aaa010a26002408"
    "01122011bba3ed1721948cefb4e50b0a0bb5cad8a6b52dc7b1a40f4f6652105c91e2c410d8b8e0bf9391b697161a0a0a0804"
    "010203040600001a0a0a0804010203040600011a0a0a0804010203040600021a0a0a0804010203040600031a0a0a08040102"
    "03040600041a0a0a0804010203040600051a0a0a0804010203040600061a0a0a0804010203040600071a0a0a080401020304"
    "0600081a0a0a0804010203040600092a40b197f76b9f288af2b467fe666f774476287049b424b73975c8860efb02372d026a"
    "799584541ad72f2654346485bca3ece36462b7d1b1391c8d276dc4ab8bca0b";
constexpr std::uint64_t kGoPeerRecordSeq = 1598453001624231000ull;

// Signed peer records (seq 7, no addrs) sealed by js-libp2p (@libp2p/peer-record 9.0.16 RecordEnvelope.seal)
// with fresh keys: secp256k1 (inlined peer id 16Uiu2HAmTCeoHNGavndRbUWse8qFBu9ycJF6kruMVLevPerKsx9y) and
// RSA-2048 (hashed peer id QmRnqfY5wnpKT5bCiTNZDvhSHS5sdKfiFZsZ6TCLQUAi54).
constexpr const char* kJsSecp256k1PeerRecord =
    "0a250802122103d8201874056d7d16be86b4a9ff44ddca9d985a574fecf3d2653fdc3ff7665094120203011a2b0a27002508"
    "02122103d8201874056d7d16be86b4a9ff44ddca9d985a574fecf3d2653fdc3ff766509410072a473045022100fea7b4329c"
    "706c42ba2587420263d688add3ba84a3d638a646280db130cc22c3022005b706f1a23e26da9f10d95101e92a352bdc9295aa"
    "3b9e4785ea95cb661ae248";
constexpr const char* kJsRsaPeerRecord =
    "0aab02080012a60230820122300d06092a864886f70d01010105000382010f003082010a0282010100c3bac17d6645a0a725"
    "a73d5f6ec8eb5d7696fe21d84422e46af2cff9c762d1d799b25ab416ab0fadb05e500c682c6fe41014ff0b5fab2d4f7d975f"
    "42406984413ce279d4d40935b364716f10b8303aceabc48581fe8ef70a5292a2ee02425fb250bd5528b4aa2e7b99ee263978"
    "53e092ea5338533717a59f993b80ac42530ee81e5da731abd9b7001d4a24c7588052145b2c7dacfd9b589f5717890139d439"
    "56a1cf8ec566a0474e24f482812b4efffb93b975f9c89c759c65f119da8f9901adb4d8d34f72653883024a4ba9d31bb8c04a"
    "355791e24686a3e2aeb17bb46161b1f4a704adddc0ad3231dd3c9a7dffe2af4cb4252e18952221ce25fcfb98c2689d020301"
    "0001120203011a260a22122033488ca91a4e3c012e6fac958e75768d5c1ea7c1588a4b0fe260584abe482f6710072a8002bc"
    "be5afa9a4387bfe14c8d6169cd42499a97605dbdab9eddeb621cdd26ea481030028ed88315a1458a63b262d227eb8b4fec01"
    "8fa61d6bfd7f1777064c070676c4302bf220e239771dfa0e0887bfeff5d7e9f2a8cf33fcdc94f3d3dbfc170605651a80dc16"
    "ce7eb4435fed23dfe2ab26104efb711ff2bd844143d928c03fbdcc6c0595169f1ea124f986b63d74ae8c221059a340a549c5"
    "551d1c884f67bf300209da8024a4e178cf304e389cb8392945c8dd079efc81f3aa8f5020ad35a6428f0892a6ddcde9c8fbeb7"
    "65388da6610acb212e8e30f7bce5fd8bca0db44a3be81df1623f6afc7e9ed04191834cee537be13b677804fe59659675772c1"
    "0c6354a3";

Bytes build_envelope(BytesView public_key, BytesView type, BytesView payload, BytesView signature) {
  pb::Envelope env;
  env.set_public_key(public_key.data(), public_key.size());
  env.set_payload_type(type.data(), type.size());
  env.set_payload(payload.data(), payload.size());
  env.set_signature(signature.data(), signature.size());
  Bytes out(env.ByteSizeLong());
  env.SerializeToArray(out.data(), static_cast<int>(out.size()));
  return out;
}

Bytes peer_record_payload(BytesView peer_id, std::uint64_t seq) {
  pb::PeerRecord r;
  r.set_peer_id(peer_id.data(), peer_id.size());
  r.set_seq(seq);
  Bytes out(r.ByteSizeLong());
  r.SerializeToArray(out.data(), static_cast<int>(out.size()));
  return out;
}

// Identity multihash of a key protobuf (peer ids of keys <= 42 bytes).
Bytes identity_peer_id(BytesView key_protobuf) {
  Bytes id{0x00};
  uvarint::append(id, key_protobuf.size());
  append(id, key_protobuf);
  return id;
}

// --- OpenSSL ECDSA signer (the one key type neither our code nor js-libp2p signs with) ----------------

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Bytes spki_of(EVP_PKEY* k) {
  unsigned char* out = nullptr;
  const int n = i2d_PUBKEY(k, &out);
  EXPECT_GT(n, 0);
  Bytes b(out, out + n);
  OPENSSL_free(out);
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

const Bytes kTestType = to_bytes("/libp2p/testdata");

}  // namespace

TEST(Envelope, SigningInputLayout) {
  EXPECT_EQ(to_hex(envelope_signing_input("ab", std::array<std::uint8_t, 2>{0x03, 0x01}, to_bytes("xyz"))),
            "0261620203010378797a");
  EXPECT_EQ(to_hex(envelope_signing_input("", {}, {})), "000000");
  // Lengths are uvarints: a 200-byte payload gets the 2-byte prefix c8 01.
  const Bytes payload(200, 0xaa);
  const Bytes input = envelope_signing_input("d", {}, payload);
  EXPECT_EQ(to_hex(BytesView(input).first(5)), "016400c801");
  EXPECT_EQ(input.size(), 5u + 200u);
}

TEST(Envelope, GoVectorOpens) {
  auto opened = open_envelope(hex(kGoEnvelope), "libp2p-testing", kTestType);
  ASSERT_TRUE(opened) << opened.error().message();
  EXPECT_EQ(opened->payload, to_bytes("hello world!"));
  EXPECT_EQ(opened->payload_type, kTestType);
  EXPECT_EQ(opened->signer.type(), KeyType::ed25519);
  EXPECT_EQ(to_hex(opened->signer.to_protobuf()),
            "080112206f1581709bb7b1ef030d210db18e3b0ba1c776fba65d8cdaad05415142d189f8");
}

TEST(Envelope, GoVectorRejectsAlterationsDomainAndType) {
  EXPECT_EQ(error_of(open_envelope(hex(kGoEnvelopeAltered), "libp2p-testing", kTestType)),
            make_error_code(EnvelopeError::invalid_signature));
  EXPECT_EQ(error_of(open_envelope(hex(kGoEnvelope), "libp2p-testinh", kTestType)),
            make_error_code(EnvelopeError::invalid_signature));
  EXPECT_EQ(error_of(open_envelope(hex(kGoEnvelope), "", kTestType)), make_error_code(EnvelopeError::invalid_signature));
  EXPECT_EQ(error_of(open_envelope(hex(kGoEnvelope), "libp2p-testing", to_bytes("/libp2p/testdatb"))),
            make_error_code(EnvelopeError::payload_type_mismatch));
  EXPECT_EQ(error_of(open_envelope(hex(kGoEnvelope), "libp2p-testing", {})),
            make_error_code(EnvelopeError::payload_type_mismatch));
}

// Ed25519 is deterministic, so sealing go's record with go's key must reproduce go's bytes exactly.
TEST(Envelope, GoPeerRecordReproducedByteForByte) {
  auto key = Ed25519PrivateKey::from_protobuf(hex(kGoPeerRecordKey));
  ASSERT_TRUE(key) << key.error().message();
  auto opened = open_peer_record(hex(kGoPeerRecord));
  ASSERT_TRUE(opened) << opened.error().message();
  EXPECT_TRUE(opened->signer == key->public_key());
  EXPECT_EQ(opened->record.peer_id, identity_peer_id(key->public_key().to_protobuf()));
  EXPECT_EQ(opened->record.seq, kGoPeerRecordSeq);
  ASSERT_EQ(opened->record.addrs.size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(to_hex(opened->record.addrs[i]), "040102030406000" + std::to_string(i));  // /ip4/1.2.3.4/tcp/i
  }
  EXPECT_EQ(to_hex(make_peer_record(*key, opened->record.peer_id, opened->record.seq, opened->record.addrs)),
            kGoPeerRecord);
}

TEST(Envelope, JsPeerRecordsWithSecp256k1AndRsa) {
  auto secp = open_peer_record(hex(kJsSecp256k1PeerRecord));
  ASSERT_TRUE(secp) << secp.error().message();
  EXPECT_EQ(secp->signer.type(), KeyType::secp256k1);
  EXPECT_EQ(secp->record.seq, 7u);
  EXPECT_TRUE(secp->record.addrs.empty());
  EXPECT_EQ(secp->record.peer_id, identity_peer_id(secp->signer.to_protobuf()));

  auto rsa = open_peer_record(hex(kJsRsaPeerRecord));
  ASSERT_TRUE(rsa) << rsa.error().message();
  EXPECT_EQ(rsa->signer.type(), KeyType::rsa);
  EXPECT_EQ(rsa->record.seq, 7u);
  EXPECT_EQ(to_hex(BytesView(rsa->record.peer_id).first(2)), "1220");  // sha2-256 peer id

  for (const char* vector : {kJsSecp256k1PeerRecord, kJsRsaPeerRecord}) {
    Bytes tampered = hex(vector);
    tampered[tampered.size() - 70] ^= 0x01;  // inside the signature
    EXPECT_FALSE(open_peer_record(tampered));
    // A peer record is not valid in another domain (e.g. as a relay voucher).
    EXPECT_EQ(error_of(open_envelope(hex(vector), "libp2p-relay-rsvp", kPeerRecordPayloadType)),
              make_error_code(EnvelopeError::invalid_signature));
  }
}

TEST(Envelope, EcdsaSignerVerifies) {
  Pkey k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  ASSERT_TRUE(k);
  auto pub = PublicKey::from_raw(KeyType::ecdsa, spki_of(k.get()));
  ASSERT_TRUE(pub) << pub.error().message();
  const Bytes payload = to_bytes("ecdsa payload");
  const Bytes sig = openssl_sign_sha256(k.get(), envelope_signing_input("libp2p-testing", kTestType, payload));
  const Bytes env = build_envelope(pub->to_protobuf(), kTestType, payload, sig);
  auto opened = open_envelope(env, "libp2p-testing", kTestType);
  ASSERT_TRUE(opened) << opened.error().message();
  EXPECT_EQ(opened->signer.type(), KeyType::ecdsa);
  EXPECT_EQ(opened->payload, payload);
  EXPECT_FALSE(open_envelope(env, "libp2p-testinG", kTestType));
}

TEST(Envelope, SealOpenRoundTripAndLayout) {
  auto key = Ed25519PrivateKey::generate();
  const Bytes payload = to_bytes("some payload");
  const Bytes env = seal_envelope(key, "libp2p-testing", kTestType, payload);
  ASSERT_FALSE(env.empty());
  // Fields in number order: 0a public_key, 12 payload_type, 1a payload, 2a signature (64 bytes).
  const Bytes pk = key.public_key().to_protobuf();
  Bytes expected_prefix{0x0a, static_cast<std::uint8_t>(pk.size())};
  append(expected_prefix, pk);
  expected_prefix.push_back(0x12);
  expected_prefix.push_back(static_cast<std::uint8_t>(kTestType.size()));
  append(expected_prefix, kTestType);
  expected_prefix.push_back(0x1a);
  expected_prefix.push_back(static_cast<std::uint8_t>(payload.size()));
  append(expected_prefix, payload);
  expected_prefix.push_back(0x2a);
  expected_prefix.push_back(0x40);
  ASSERT_EQ(env.size(), expected_prefix.size() + 64);
  EXPECT_EQ(to_hex(BytesView(env).first(expected_prefix.size())), to_hex(expected_prefix));

  auto opened = open_envelope(env, "libp2p-testing", kTestType);
  ASSERT_TRUE(opened) << opened.error().message();
  EXPECT_TRUE(opened->signer == key.public_key());
  EXPECT_EQ(opened->payload, payload);

  // An empty payload is legitimate.
  auto empty = open_envelope(seal_envelope(key, "d", kTestType, {}), "d", kTestType);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->payload.empty());
}

TEST(Envelope, EveryBitFlipIsRejected) {
  auto key = Ed25519PrivateKey::generate();
  const Bytes env = seal_envelope(key, "libp2p-testing", kTestType, to_bytes("hello world!"));
  for (std::size_t i = 0; i < env.size(); ++i) {
    for (std::uint8_t mask : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
      Bytes t = env;
      t[i] ^= mask;
      auto r = open_envelope(t, "libp2p-testing", kTestType);
      EXPECT_FALSE(r) << "byte " << i << " mask " << int(mask);
    }
  }
}

TEST(Envelope, MalformedInputs) {
  auto key = Ed25519PrivateKey::generate();
  const Bytes pk = key.public_key().to_protobuf();
  const Bytes payload = to_bytes("p");
  const Bytes sig = key.sign(envelope_signing_input("d", kTestType, payload));
  EXPECT_EQ(error_of(open_envelope({}, "d", kTestType)), make_error_code(EnvelopeError::malformed));
  EXPECT_EQ(error_of(open_envelope(hex("ffffff"), "d", kTestType)), make_error_code(EnvelopeError::malformed));
  // Missing signature / missing public key.
  pb::Envelope no_sig;
  no_sig.set_public_key(pk.data(), pk.size());
  no_sig.set_payload_type(kTestType.data(), kTestType.size());
  no_sig.set_payload("p");
  std::string s;
  no_sig.SerializeToString(&s);
  EXPECT_EQ(error_of(open_envelope(as_bytes(s), "d", kTestType)), make_error_code(EnvelopeError::malformed));
  pb::Envelope no_key;
  no_key.set_payload_type(kTestType.data(), kTestType.size());
  no_key.set_payload("p");
  no_key.set_signature(sig.data(), sig.size());
  no_key.SerializeToString(&s);
  EXPECT_EQ(error_of(open_envelope(as_bytes(s), "d", kTestType)), make_error_code(EnvelopeError::malformed));
  // A public key that is not a key: the KeyError comes through.
  const Bytes bad_key_env = build_envelope(hex("0801120401020304"), kTestType, payload, sig);
  EXPECT_EQ(error_of(open_envelope(bad_key_env, "d", kTestType)), make_error_code(KeyError::invalid_key_length));
  // Sanity: the same pieces with the right key open.
  EXPECT_TRUE(open_envelope(build_envelope(pk, kTestType, payload, sig), "d", kTestType));
  // Size bound, checked before parsing.
  const Bytes big_payload(kMaxEnvelopeSize, 0x41);
  const Bytes big = seal_envelope(key, "d", kTestType, big_payload);
  EXPECT_GT(big.size(), kMaxEnvelopeSize);
  EXPECT_EQ(error_of(open_envelope(big, "d", kTestType)), make_error_code(EnvelopeError::too_large));
}

TEST(Envelope, PeerRecordRoundTripAndChecks) {
  auto key = Ed25519PrivateKey::generate();
  const Bytes id = identity_peer_id(key.public_key().to_protobuf());
  const std::vector<Bytes> addrs{hex("047f000001060fa1"), hex("04cb007107060fa1")};
  auto opened = open_peer_record(make_peer_record(key, id, 42, addrs));
  ASSERT_TRUE(opened) << opened.error().message();
  EXPECT_EQ(opened->record.peer_id, id);
  EXPECT_EQ(opened->record.seq, 42u);
  EXPECT_EQ(opened->record.addrs, addrs);

  // A record that names another peer than its signer.
  auto other = Ed25519PrivateKey::generate();
  const Bytes other_id = identity_peer_id(other.public_key().to_protobuf());
  EXPECT_EQ(error_of(open_peer_record(make_peer_record(key, other_id, 1, {}))),
            make_error_code(EnvelopeError::signer_mismatch));
  // Payloads that are not peer records.
  EXPECT_EQ(error_of(open_peer_record(seal_envelope(key, kPeerRecordDomain, kPeerRecordPayloadType, hex("ffff")))),
            make_error_code(EnvelopeError::record_malformed));
  EXPECT_EQ(error_of(open_peer_record(seal_envelope(key, kPeerRecordDomain, kPeerRecordPayloadType, hex("1001")))),
            make_error_code(EnvelopeError::record_malformed));  // seq only, no peer_id
  EXPECT_TRUE(open_peer_record(
      seal_envelope(key, kPeerRecordDomain, kPeerRecordPayloadType, peer_record_payload(id, 0))));
  // Right record, wrong domain or type.
  EXPECT_EQ(error_of(open_peer_record(
                seal_envelope(key, "libp2p-relay-rsvp", kPeerRecordPayloadType, peer_record_payload(id, 0)))),
            make_error_code(EnvelopeError::invalid_signature));
  EXPECT_EQ(error_of(open_peer_record(
                seal_envelope(key, kPeerRecordDomain, uvarint::encode(0x0301), peer_record_payload(id, 0)))),
            make_error_code(EnvelopeError::payload_type_mismatch));
}

TEST(Envelope, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  const Bytes good = hex(kGoEnvelope);
  for (int i = 0; i < 2000; ++i) {
    Bytes b = good;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
    if (rng() % 3 == 0) b.resize(rng() % b.size());
    auto r = open_envelope(b, "libp2p-testing", kTestType);
    if (r) {
      EXPECT_EQ(r->payload, to_bytes("hello world!"));  // only harmless edits may pass
    }
    (void)open_peer_record(b);
  }
}

TEST(Envelope, ErrorCategory) {
  const error_code ec = make_error_code(EnvelopeError::signer_mismatch);
  EXPECT_STREQ(ec.category().name(), "chiral.envelope");
  EXPECT_EQ(ec.message(), "record peer id is not the envelope signer");
}
