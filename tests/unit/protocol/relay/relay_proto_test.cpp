// Tests for the Circuit Relay v2 codec and vouchers (libp2p/specs relay/circuit-v2.md): exact bytes against
// messages and a voucher produced by js-libp2p, go-style encodings written by hand, malformed inputs, tampering.
#include "protocol/relay/relay.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/uvarint.hpp"
#include "multiformats/multiaddr.hpp"
#include "proto/circuit.pb.h"

using namespace chiral;
using namespace chiral::relay_proto;
using multiformats::PeerId;

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

// Relay key: the go-generated Ed25519 key of js-libp2p's peer-record test
// (12D3KooWB1b3qZxWJanuhtseF3DmPggHCtG36KZ9ixkqHtdKH9fh). Peer key: the Ed25519 key of libp2p/specs
// peer-ids.md "Test vectors" (12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq).
constexpr const char* kRelayKey =
    "0801124085fbe72b6064289004a531f967898df5319ee02992fdd84021fa5052434bf6ee11bba3ed1721948cefb4e50b0a0b"
    "b5cad8a6b52dc7b1a40f4f6652105c91e2c4";
constexpr const char* kPeerKey =
    "080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8fd4b47b"
    "f3d3b34b871c3cacf6010f0e42d474fce27e";
constexpr const char* kRelayId = "12D3KooWB1b3qZxWJanuhtseF3DmPggHCtG36KZ9ixkqHtdKH9fh";
constexpr const char* kPeerId = "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";
constexpr std::uint64_t kExpire = 1700000000;

// Produced with js-libp2p (@libp2p/circuit-relay-v2 4.2.13, @libp2p/peer-record 9.0.16) from the keys above:
// RecordEnvelope.seal(new ReservationVoucherRecord({relay, peer, expiration: 1700000000n}), relayKey).marshal()
constexpr const char* kJsVoucher =
    "0a240801122011bba3ed1721948cefb4e50b0a0bb5cad8a6b52dc7b1a40f4f6652105c91e2c4120203021a560a2600240801"
    "122011bba3ed1721948cefb4e50b0a0bb5cad8a6b52dc7b1a40f4f6652105c91e2c412260024080112201ed1e8fae2c4a144"
    "b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e1880e2cfaa062a403de44aad847ca4acc2046511426a2c486e58"
    "11f9b617560cb7c004a9f3cbc4b7fbb845c702b419d22fac074b3ab61bae17cc6433d19a4da0bebbc74fdb26f104";
// HopMessage.encode({type: STATUS, status: OK, reservation: {expire, addrs: [/ip4/203.0.113.7/tcp/4001/p2p/<relay>],
// voucher}, limit: {duration: 120, data: 131072n}}) as the js relay server builds its RESERVE answer.
constexpr const char* kJsHopStatusOk =
    "08021a80020880e2cfaa06123104cb007107060fa1a5032600240801122011bba3ed1721948cefb4e50b0a0bb5cad8a6b52d"
    "c7b1a40f4f6652105c91e2c41ac4010a240801122011bba3ed1721948cefb4e50b0a0bb5cad8a6b52dc7b1a40f4f6652105c"
    "91e2c4120203021a560a2600240801122011bba3ed1721948cefb4e50b0a0bb5cad8a6b52dc7b1a40f4f6652105c91e2c412"
    "260024080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e1880e2cfaa062a403de44a"
    "ad847ca4acc2046511426a2c486e5811f9b617560cb7c004a9f3cbc4b7fbb845c702b419d22fac074b3ab61bae17cc6433d1"
    "9a4da0bebbc74fdb26f10422060878108080082864";
constexpr const char* kJsRelayAddr =  // /ip4/203.0.113.7/tcp/4001/p2p/<relay>
    "04cb007107060fa1a5032600240801122011bba3ed1721948cefb4e50b0a0bb5cad8a6b52dc7b1a40f4f6652105c91e2c4";
constexpr const char* kJsHopReserve = "0800";
constexpr const char* kJsHopConnect =  // CONNECT{peer: {id: <peer>}}
    "080112280a260024080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
constexpr const char* kJsStopConnect =  // STOP CONNECT{peer: {id: <relay>}, limit: {120, 131072}}
    "080012280a2600240801122011bba3ed1721948cefb4e50b0a0bb5cad8a6b52dc7b1a40f4f6652105c91e2c41a0608781080"
    "8008";
constexpr const char* kJsStopStatusOk = "08012064";

struct Keys {
  crypto::Ed25519PrivateKey relay_key = *crypto::Ed25519PrivateKey::from_protobuf(hex(kRelayKey));
  crypto::Ed25519PrivateKey peer_key = *crypto::Ed25519PrivateKey::from_protobuf(hex(kPeerKey));
  PeerId relay = PeerId::from_public_key(relay_key.public_key());
  PeerId peer = PeerId::from_public_key(peer_key.public_key());
};

Bytes serialize(const google::protobuf::MessageLite& m) {
  Bytes out(m.ByteSizeLong());
  m.SerializeToArray(out.data(), static_cast<int>(out.size()));
  return out;
}

Bytes voucher_payload(BytesView relay, BytesView peer, std::optional<std::uint64_t> expiration) {
  pb::ReservationVoucher v;
  if (!relay.empty()) v.set_relay(relay.data(), relay.size());
  if (!peer.empty()) v.set_peer(peer.data(), peer.size());
  if (expiration) v.set_expiration(*expiration);
  return serialize(v);
}

}  // namespace

TEST(RelayProto, Constants) {
  EXPECT_EQ(kHopProtocolId, "/libp2p/circuit/relay/0.2.0/hop");
  EXPECT_EQ(kStopProtocolId, "/libp2p/circuit/relay/0.2.0/stop");
  EXPECT_EQ(kMaxMessageSize, 4096u);
  EXPECT_EQ(kVoucherDomain, "libp2p-relay-rsvp");
  EXPECT_EQ(to_hex(kVoucherPayloadType), "0302");
  const Keys k;
  EXPECT_EQ(k.relay.to_base58(), kRelayId);
  EXPECT_EQ(k.peer.to_base58(), kPeerId);
}

// --- exact encodings -------------------------------------------------------------------------------

TEST(RelayProto, ReserveIsTypeZeroOnTheWire) {
  EXPECT_EQ(to_hex(encode_hop(HopMessage{})), kJsHopReserve);  // 08 00: the 0 is written
  EXPECT_EQ(to_hex(encode_hop(HopMessage{.type = HopType::RESERVE})), "0800");
  EXPECT_EQ(to_hex(encode_stop(StopMessage{.type = StopType::CONNECT})), "0800");
  auto d = decode_hop(hex("0800"));
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->type, HopType::RESERVE);
  EXPECT_FALSE(d->peer || d->reservation || d->limit || d->status);
}

TEST(RelayProto, ConnectAndStopMatchJs) {
  const Keys k;
  HopMessage connect{.type = HopType::CONNECT, .peer = PeerInfo{k.peer.bytes(), {}}};
  EXPECT_EQ(to_hex(encode_hop(connect)), kJsHopConnect);
  StopMessage stop{.type = StopType::CONNECT, .peer = PeerInfo{k.relay.bytes(), {}}, .limit = Limit{120, 131072}};
  EXPECT_EQ(to_hex(encode_stop(stop)), kJsStopConnect);
  StopMessage ok{.type = StopType::STATUS, .status = Status::OK};
  EXPECT_EQ(to_hex(encode_stop(ok)), kJsStopStatusOk);
  EXPECT_EQ(to_hex(encode_hop(HopMessage{.type = HopType::STATUS, .status = Status::NO_RESERVATION})), "080228cc01");

  auto dc = decode_hop(hex(kJsHopConnect));
  ASSERT_TRUE(dc) << dc.error().message();
  EXPECT_EQ(*dc, connect);
  auto ds = decode_stop(hex(kJsStopConnect));
  ASSERT_TRUE(ds) << ds.error().message();
  EXPECT_EQ(*ds, stop);
  auto dok = decode_stop(hex(kJsStopStatusOk));
  ASSERT_TRUE(dok) << dok.error().message();
  EXPECT_EQ(*dok, ok);
}

// Our whole RESERVE answer, voucher included, is byte-identical to what js-libp2p writes for the same input.
TEST(RelayProto, StatusOkWithReservationAndLimitMatchesJs) {
  const Keys k;
  const Bytes voucher = make_voucher(k.relay_key, k.relay, k.peer, kExpire);
  EXPECT_EQ(to_hex(voucher), kJsVoucher);
  auto addr = multiformats::Multiaddr::from_string(std::string("/ip4/203.0.113.7/tcp/4001/p2p/") + kRelayId);
  ASSERT_TRUE(addr);
  EXPECT_EQ(to_hex(addr->bytes()), kJsRelayAddr);
  HopMessage msg{.type = HopType::STATUS,
                 .reservation = Reservation{kExpire, {addr->bytes()}, voucher},
                 .limit = Limit{120, 131072},
                 .status = Status::OK};
  const Bytes encoded = encode_hop(msg);
  EXPECT_EQ(to_hex(encoded), kJsHopStatusOk);
  auto decoded = decode_hop(encoded);
  ASSERT_TRUE(decoded) << decoded.error().message();
  EXPECT_EQ(*decoded, msg);
}

TEST(RelayProto, LimitEncoding) {
  auto limit_bytes = [](std::optional<Limit> l) {
    return to_hex(encode_hop(HopMessage{.type = HopType::STATUS, .limit = l, .status = Status::OK}));
  };
  EXPECT_EQ(limit_bytes(std::nullopt), "08022864");
  EXPECT_EQ(limit_bytes(Limit{0, 0}), "08022864");  // unlimited: no Limit at all (go would flag "limited")
  EXPECT_EQ(limit_bytes(Limit{120, 0}), "08022202087828" "64");
  EXPECT_EQ(limit_bytes(Limit{0, 131072}), "0802220410808008" "2864");
  EXPECT_EQ(limit_bytes(Limit{0xffffffffu, ~0ull}),
            "08022211" "08ffffffff0f" "10ffffffffffffffffff01" "2864");
  EXPECT_TRUE(Limit{}.unlimited());
  EXPECT_FALSE((Limit{1, 0}).unlimited());
}

TEST(RelayProto, EmptyVoucherIsLeftOut) {
  HopMessage msg{.type = HopType::STATUS, .reservation = Reservation{5, {}, {}}, .status = Status::OK};
  EXPECT_EQ(to_hex(encode_hop(msg)), "08021a0208052864");
}

// --- go-style encodings (proto3 `optional`: explicit zeros), written by hand from go's field numbers ------

TEST(RelayProto, DecodesGoStyleMessages) {
  const Keys k;
  // go's relay: STOP CONNECT{peer{id}, limit{duration: 0, data: 0}} with both zeros written explicitly.
  Bytes stop = hex("0800");
  stop.push_back(0x12);
  stop.push_back(static_cast<std::uint8_t>(2 + k.peer.bytes().size()));
  stop.push_back(0x0a);
  stop.push_back(static_cast<std::uint8_t>(k.peer.bytes().size()));
  append(stop, k.peer.bytes());
  append(stop, hex("1a0408001000"));
  auto s = decode_stop(stop);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->type, StopType::CONNECT);
  ASSERT_TRUE(s->peer);
  EXPECT_EQ(s->peer->id, k.peer.bytes());
  ASSERT_TRUE(s->limit);
  EXPECT_TRUE(s->limit->unlimited());

  // go's client: HOP CONNECT with peer addrs; then the relay's refusal with status only.
  Bytes connect = hex("0801");
  Bytes peer = hex("0a");
  peer.push_back(static_cast<std::uint8_t>(k.relay.bytes().size()));
  append(peer, k.relay.bytes());
  append(peer, hex("1208047f000001060fa1"));
  connect.push_back(0x12);
  connect.push_back(static_cast<std::uint8_t>(peer.size()));
  append(connect, peer);
  auto c = decode_hop(connect);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->type, HopType::CONNECT);
  ASSERT_TRUE(c->peer);
  EXPECT_EQ(c->peer->id, k.relay.bytes());
  ASSERT_EQ(c->peer->addrs.size(), 1u);
  EXPECT_EQ(to_hex(c->peer->addrs[0]), "047f000001060fa1");

  const std::pair<const char*, Status> kStatuses[] = {
      {"080228cc01", Status::NO_RESERVATION},    {"080228c801", Status::RESERVATION_REFUSED},
      {"080228c901", Status::RESOURCE_LIMIT_EXCEEDED}, {"080228ca01", Status::PERMISSION_DENIED},
      {"080228cb01", Status::CONNECTION_FAILED}, {"0802289003", Status::MALFORMED_MESSAGE},
      {"0802289103", Status::UNEXPECTED_MESSAGE}, {"08022800", Status::UNUSED}};
  for (const auto& [wire, status] : kStatuses) {
    auto d = decode_hop(hex(wire));
    ASSERT_TRUE(d) << wire;
    EXPECT_EQ(d->status, status) << wire;
    EXPECT_EQ(to_hex(encode_hop(*d)), wire);
  }
  // Unknown fields (a newer peer) are ignored.
  auto extra = decode_hop(hex("08024a03abcdef2864"));  // field 9 bytes
  ASSERT_TRUE(extra) << extra.error().message();
  EXPECT_EQ(extra->status, Status::OK);
}

// --- malformed input -------------------------------------------------------------------------------

TEST(RelayProto, MalformedInputs) {
  const auto malformed = make_error_code(RelayProtoError::malformed);
  EXPECT_EQ(error_of(decode_hop({})), make_error_code(RelayProtoError::missing_type));
  EXPECT_EQ(error_of(decode_stop({})), make_error_code(RelayProtoError::missing_type));
  EXPECT_EQ(error_of(decode_hop(hex("2864"))), make_error_code(RelayProtoError::missing_type));
  EXPECT_EQ(error_of(decode_hop(hex("0803"))), make_error_code(RelayProtoError::missing_type));   // type 3
  EXPECT_EQ(error_of(decode_stop(hex("0802"))), make_error_code(RelayProtoError::missing_type));  // type 2
  EXPECT_EQ(error_of(decode_hop(hex("08ffffffff0f"))), make_error_code(RelayProtoError::missing_type));
  EXPECT_EQ(error_of(decode_hop(hex("ffffff"))), malformed);
  EXPECT_EQ(error_of(decode_hop(hex("08"))), malformed);         // truncated varint
  EXPECT_EQ(error_of(decode_hop(hex("0801120a0a"))), malformed);  // truncated peer
  // Field 1 with the wrong wire type is kept as an unknown field, so the type is missing.
  EXPECT_EQ(error_of(decode_hop(hex("0a0100"))), make_error_code(RelayProtoError::missing_type));
  EXPECT_EQ(error_of(decode_hop(hex("0801"))), make_error_code(RelayProtoError::missing_peer));
  EXPECT_EQ(error_of(decode_stop(hex("0800"))), make_error_code(RelayProtoError::missing_peer));
  EXPECT_EQ(error_of(decode_hop(hex("08011200"))), make_error_code(RelayProtoError::invalid_peer_id));
  EXPECT_EQ(error_of(decode_hop(hex("080112040a02ffff"))), make_error_code(RelayProtoError::invalid_peer_id));
  EXPECT_EQ(error_of(decode_stop(hex("080012040a02ffff"))), make_error_code(RelayProtoError::invalid_peer_id));
  EXPECT_EQ(error_of(decode_hop(hex("0802"))), make_error_code(RelayProtoError::missing_status));
  EXPECT_EQ(error_of(decode_hop(hex("080228e707"))), make_error_code(RelayProtoError::missing_status));  // 999
  EXPECT_EQ(error_of(decode_stop(hex("0801"))), make_error_code(RelayProtoError::missing_status));
  EXPECT_EQ(error_of(decode_hop(hex("08021a002864"))), make_error_code(RelayProtoError::missing_expire));
  EXPECT_EQ(error_of(decode_hop(hex("0802220208"))), malformed);  // truncated limit

  // Every proper prefix of a valid answer is rejected (status is its last field).
  const Bytes full = hex(kJsHopStatusOk);
  for (std::size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(decode_hop(BytesView(full).first(n))) << n;
  }
}

TEST(RelayProto, SizeBound) {
  // A STATUS padded with an unknown bytes field to exactly 4096 bytes decodes; one byte more does not.
  auto padded = [](std::size_t total) {
    Bytes b = hex("08022864");
    b.push_back(0x4a);  // field 9, bytes
    const std::size_t header = b.size() + 2;  // + 2-byte length
    const std::size_t len = total - header;
    uvarint::append(b, len);
    b.resize(b.size() + len, 0x00);
    return b;
  };
  EXPECT_EQ(padded(kMaxMessageSize).size(), kMaxMessageSize);
  EXPECT_TRUE(decode_hop(padded(kMaxMessageSize)));
  EXPECT_EQ(error_of(decode_hop(padded(kMaxMessageSize + 1))), make_error_code(RelayProtoError::too_large));
  EXPECT_EQ(error_of(decode_stop(Bytes(kMaxMessageSize + 1, 0))), make_error_code(RelayProtoError::too_large));
}

TEST(RelayProto, EncodeDropsTrailingAddrsButNeverTheVoucher) {
  const Keys k;
  const Bytes voucher = make_voucher(k.relay_key, k.relay, k.peer, kExpire);
  std::vector<Bytes> addrs;
  for (int i = 0; i < 200; ++i) {
    Bytes a(40, static_cast<std::uint8_t>(i));
    addrs.push_back(a);
  }
  HopMessage msg{.type = HopType::STATUS,
                 .reservation = Reservation{kExpire, addrs, voucher},
                 .limit = Limit{120, 131072},
                 .status = Status::OK};
  const Bytes encoded = encode_hop(msg);
  EXPECT_LE(encoded.size(), kMaxMessageSize);
  EXPECT_GT(encoded.size(), kMaxMessageSize - 45);  // only as many dropped as needed
  auto d = decode_hop(encoded);
  ASSERT_TRUE(d) << d.error().message();
  ASSERT_TRUE(d->reservation);
  EXPECT_EQ(d->reservation->voucher, voucher);
  ASSERT_GT(d->reservation->addrs.size(), 50u);
  ASSERT_LT(d->reservation->addrs.size(), addrs.size());
  for (std::size_t i = 0; i < d->reservation->addrs.size(); ++i) EXPECT_EQ(d->reservation->addrs[i], addrs[i]);
  EXPECT_EQ(d->limit, (Limit{120, 131072}));
  EXPECT_EQ(d->status, Status::OK);

  // Peer addrs on CONNECT / STOP are trimmed the same way; the id stays.
  StopMessage stop{.type = StopType::CONNECT, .peer = PeerInfo{k.peer.bytes(), addrs}};
  const Bytes s = encode_stop(stop);
  EXPECT_LE(s.size(), kMaxMessageSize);
  auto ds = decode_stop(s);
  ASSERT_TRUE(ds) << ds.error().message();
  EXPECT_EQ(ds->peer->id, k.peer.bytes());
  EXPECT_GT(ds->peer->addrs.size(), 50u);
  HopMessage connect{.type = HopType::CONNECT, .peer = PeerInfo{k.peer.bytes(), addrs}};
  EXPECT_LE(encode_hop(connect).size(), kMaxMessageSize);
  EXPECT_TRUE(decode_hop(encode_hop(connect)));
}

TEST(RelayProto, OutOfRangeEnumValuesAreNotWritten) {
  HopMessage msg{.type = HopType::STATUS, .status = static_cast<Status>(999)};
  EXPECT_EQ(to_hex(encode_hop(msg)), "0802");
}

TEST(RelayProto, RandomBytesNeverCrash) {
  std::mt19937 rng(11);
  const Bytes good = hex(kJsHopStatusOk);
  for (int i = 0; i < 5000; ++i) {
    Bytes b = good;
    const int edits = 1 + static_cast<int>(rng() % 6);
    for (int e = 0; e < edits; ++e) b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
    if (rng() % 4 == 0) b.resize(rng() % b.size());
    (void)decode_hop(b);
    (void)decode_stop(b);
    Bytes r(rng() % 64);
    for (auto& x : r) x = static_cast<std::uint8_t>(rng());
    (void)decode_hop(r);
    (void)decode_stop(r);
  }
}

TEST(RelayProto, Names) {
  EXPECT_EQ(status_name(Status::OK), "OK");
  EXPECT_EQ(status_name(Status::RESOURCE_LIMIT_EXCEEDED), "RESOURCE_LIMIT_EXCEEDED");
  EXPECT_EQ(status_name(Status::UNEXPECTED_MESSAGE), "UNEXPECTED_MESSAGE");
  EXPECT_EQ(status_name(static_cast<Status>(7)), "UNKNOWN");
  EXPECT_EQ(hop_type_name(HopType::CONNECT), "CONNECT");
  EXPECT_EQ(stop_type_name(StopType::STATUS), "STATUS");
  const error_code ec = make_error_code(RelayProtoError::missing_peer);
  EXPECT_STREQ(ec.category().name(), "chiral.relay_proto");
  EXPECT_EQ(ec.message(), "CONNECT without peer");
}

// --- vouchers --------------------------------------------------------------------------------------

TEST(RelayProto, JsVoucherVerifies) {
  auto v = verify_voucher(hex(kJsVoucher));
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(v->relay.to_base58(), kRelayId);
  EXPECT_EQ(v->peer.to_base58(), kPeerId);
  EXPECT_EQ(v->expiration, kExpire);
}

TEST(RelayProto, VoucherRoundTrip) {
  auto relay_key = crypto::Ed25519PrivateKey::generate();
  auto peer_key = crypto::Ed25519PrivateKey::generate();
  const auto relay = PeerId::from_public_key(relay_key.public_key());
  const auto peer = PeerId::from_public_key(peer_key.public_key());
  const Bytes voucher = make_voucher(relay_key, relay, peer, 1234567890123ull);
  // Envelope layout: payload type is the literal 12 02 03 02, not the uvarint 82 06.
  const Bytes type_field = hex("12020302");
  EXPECT_NE(std::search(voucher.begin(), voucher.end(), type_field.begin(), type_field.end()), voucher.end());
  auto v = verify_voucher(voucher);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(v->relay, relay);
  EXPECT_EQ(v->peer, peer);
  EXPECT_EQ(v->expiration, 1234567890123ull);
}

TEST(RelayProto, VoucherTampering) {
  const Keys k;
  const Bytes good_payload = voucher_payload(k.relay.bytes(), k.peer.bytes(), kExpire);
  // Wrong domain (a peer-record domain) -> signature does not verify for the voucher domain.
  EXPECT_EQ(error_of(verify_voucher(crypto::seal_envelope(k.relay_key, "libp2p-peer-record", kVoucherPayloadType,
                                                          good_payload))),
            make_error_code(crypto::EnvelopeError::invalid_signature));
  // Payload type as a uvarint (82 06) or the peer-record type.
  EXPECT_EQ(error_of(verify_voucher(
                crypto::seal_envelope(k.relay_key, kVoucherDomain, uvarint::encode(0x0302), good_payload))),
            make_error_code(crypto::EnvelopeError::payload_type_mismatch));
  EXPECT_EQ(error_of(verify_voucher(
                crypto::seal_envelope(k.relay_key, kVoucherDomain, crypto::kPeerRecordPayloadType, good_payload))),
            make_error_code(crypto::EnvelopeError::payload_type_mismatch));
  // Signed by someone other than voucher.relay.
  EXPECT_EQ(error_of(verify_voucher(make_voucher(k.peer_key, k.relay, k.peer, kExpire))),
            make_error_code(crypto::EnvelopeError::signer_mismatch));
  // Missing fields or a relay that is not a peer id.
  for (const Bytes& payload : {voucher_payload({}, k.peer.bytes(), kExpire), voucher_payload(k.relay.bytes(), {}, kExpire),
                               voucher_payload(k.relay.bytes(), k.peer.bytes(), std::nullopt),
                               voucher_payload(hex("ffff"), k.peer.bytes(), kExpire), hex("ffffff")}) {
    EXPECT_EQ(error_of(verify_voucher(crypto::seal_envelope(k.relay_key, kVoucherDomain, kVoucherPayloadType, payload))),
              make_error_code(crypto::EnvelopeError::record_malformed))
        << to_hex(payload);
  }
  // Any single changed byte of js's voucher is caught.
  const Bytes js = hex(kJsVoucher);
  for (std::size_t i = 0; i < js.size(); ++i) {
    Bytes t = js;
    t[i] ^= 0x04;
    EXPECT_FALSE(verify_voucher(t)) << i;
  }
  EXPECT_FALSE(verify_voucher({}));
}
