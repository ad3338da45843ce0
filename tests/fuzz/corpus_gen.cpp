// Writes the seed files of tests/fuzz/corpus/<target>/gen-* with our own encoders (real protocol bytes):
//   build-fuzz/fuzz/fuzz_corpus_gen tests/fuzz/corpus
// Deterministic (fixed keys), so re-running it changes nothing. js-libp2p captures: capture_js.mjs.
#include <filesystem>
#include <fstream>

#include "core/uvarint.hpp"
#include "crypto/envelope.hpp"
#include "multiformats/multiaddr.hpp"
#include "multiformats/multibase.hpp"
#include "noise_fixture.hpp"
#include "protocol/autonat/messages_v1.hpp"
#include "protocol/autonat/messages_v2.hpp"
#include "protocol/identify/identify.hpp"
#include "protocol/multistream/message.hpp"
#include "protocol/relay/relay.hpp"
#include "protocol/yamux/session.hpp"

using namespace chiral;
namespace fs = std::filesystem;
using multiformats::Multiaddr;
using multiformats::PeerId;

namespace {
fs::path g_root;
void put(const std::string& target, const std::string& name, BytesView data) {
  fs::create_directories(g_root / target);
  std::ofstream(g_root / target / ("gen-" + name), std::ios::binary)
      .write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}
void put(const std::string& target, const std::string& name, std::string_view text) { put(target, name, as_bytes(text)); }
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) append(out, p);
  return out;
}
Bytes ms(std::initializer_list<std::string_view> texts) {
  Bytes out;
  for (auto t : texts) multistream::append_message(out, t);
  return out;
}
Bytes framed(BytesView body) {
  Bytes out;
  uvarint::append_frame(out, body);
  return out;
}
Bytes with_tail(Bytes b, std::initializer_list<std::uint8_t> tail) {  // FuzzedDataProvider reads ints from the end
  b.insert(b.end(), tail);
  return b;
}
struct NullHandler : yamux::Handler {
  void on_stream_opened(std::uint32_t) override {}
  void on_data(std::uint32_t, BytesView) override {}
  void on_remote_close(std::uint32_t) override {}
  void on_stream_reset(std::uint32_t) override {}
  void on_send_window(std::uint32_t) override {}
  void on_go_away(std::uint32_t) override {}
};
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  g_root = argv[1];
  const auto relay_key = *crypto::Ed25519PrivateKey::from_seed(Bytes(32, 7));
  const auto peer_key = *crypto::Ed25519PrivateKey::from_seed(Bytes(32, 8));
  const PeerId relay = PeerId::from_public_key(relay_key.public_key());
  const PeerId peer = PeerId::from_public_key(peer_key.public_key());

  // uvarint
  for (std::uint64_t v : {0ull, 1ull, 127ull, 128ull, 300ull, 16384ull, (1ull << 63) - 1})
    put("uvarint", "value-" + std::to_string(v), uvarint::encode(v));
  put("uvarint", "frames", cat({framed(as_bytes("hello")), framed(Bytes(200, 'x')), framed({})}));

  // multiaddr (text + binary)
  const std::vector<std::string> addrs = {
      "/ip4/127.0.0.1/tcp/4001", "/ip6/::1/tcp/4001/ws", "/ip6/fe80::1/ip6zone/eth0/tcp/1",
      "/dns4/relay.example.com/tcp/443/wss/p2p/" + relay.to_string(),
      "/ip4/1.2.3.4/tcp/4001/p2p/" + relay.to_string() + "/p2p-circuit/p2p/" + peer.to_string(),
      "/ip4/127.0.0.1/udp/1234/quic-v1/webtransport/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g",
      "/dnsaddr/bootstrap.libp2p.io", "/unix/tmp/relay.sock", "/memory/4", "/ip4/192.0.2.0/ipcidr/24",
      "/tcp/1234/tls/sni/example.com/http/http-path/api%2Fv0", "/ip4/127.0.0.1/udp/1/webrtc-direct/certhash/"
      "uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g", "/p2p/" + peer.to_cid_base32()};
  for (std::size_t i = 0; i < addrs.size(); ++i) {
    auto a = Multiaddr::from_string(addrs[i]);
    if (!a) { std::fprintf(stderr, "bad seed addr %s\n", addrs[i].c_str()); return 1; }
    put("multiaddr_text", std::to_string(i), addrs[i]);
    put("multiaddr_bytes", std::to_string(i), a->bytes());
  }

  // peer id, multibase
  put("peer_id", "ed25519-b58", relay.to_string());
  put("peer_id", "ed25519-cid", peer.to_cid_base32());
  put("peer_id", "ed25519-bytes", relay.bytes());
  put("peer_id", "sha256-b58", "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC");
  put("peer_id", "sha256-cid36", "k2k4r8oqamigqdo6o7hsbfwd45y70oyynp98usk7zmyfrzpqxh1pohl7");
  for (char b : {'f', 'b', 'B', 'c', 'k', 'z', 'm', 'M', 'u', 'U'})
    put("multibase", std::string("hello-") + b,
        multiformats::multibase::encode(static_cast<multiformats::multibase::Base>(b), as_bytes("hello world")));

  // keys, identity file, envelopes, vouchers
  put("keys", "ed25519-public", relay_key.public_key().to_protobuf());
  put("keys", "ed25519-private", relay_key.to_protobuf());
  put("identity_file", "ed25519", relay_key.to_protobuf());
  put("identity_file", "truncated", BytesView(relay_key.to_protobuf()).first(20));
  const Bytes record = crypto::make_peer_record(relay_key, relay.bytes(), 7,
                                                {Multiaddr::from_string(addrs[0])->bytes(), Multiaddr::from_string(addrs[1])->bytes()});
  put("envelope", "peer-record", record);
  const Bytes voucher = relay_proto::make_voucher(relay_key, relay, peer, 1700000000);
  put("envelope", "voucher", voucher);
  put("relay_voucher", "voucher", voucher);

  // multistream
  put("multistream_message", "header-noise", ms({"/multistream/1.0.0", "/noise"}));
  Bytes ls_text;
  const std::vector<std::string> names = {"/yamux/1.0.0", "/mplex/6.7.0"};
  multistream::append_ls_response(ls_text, names);
  put("multistream_message", "ls-response", ls_text);
  put("multistream_listener", "select-yamux", with_tail(ms({"/multistream/1.0.0", "/yamux/1.0.0"}), {0, 16}));
  put("multistream_listener", "na-then-noise", with_tail(ms({"/multistream/1.0.0", "/tls/1.0.0", "ls", "/noise"}), {1, 3}));
  put("multistream_listener", "lazy-data", cat({ms({"/multistream/1.0.0", "/libp2p/circuit/relay/0.2.0/hop"}), Bytes{4, 8, 0, 1, 2}}));
  put("multistream_dialer", "echo", with_tail(ms({"/multistream/1.0.0", "/noise"}), {0, 7}));
  put("multistream_dialer", "na-na-echo", cat({ms({"/multistream/1.0.0", "na", "na", "/yamux/1.0.0"}), Bytes{0, 0, 5}}));

  // noise: a real initiator against the fuzz target's responder keys (raw mode: last byte odd)
  {
    auto init = fuzz::make_initiator();
    auto resp = fuzz::make_responder();
    auto s0 = init.on_start();
    (void)resp.on_start();
    auto b1 = noise::decode_raw_frame(s0->send);
    auto s1 = resp.on_message(b1->body);
    auto b2 = noise::decode_raw_frame(s1->send);
    auto s2 = init.on_message(b2->body);
    if (!s2) { std::fprintf(stderr, "noise seed handshake failed\n"); return 1; }
    auto b3 = noise::decode_raw_frame(s2->send);
    if (auto s3 = resp.on_message(b3->body); !s3 || !s3->done) { std::fprintf(stderr, "noise seed: no done\n"); return 1; }
    put("noise_handshake", "raw-complete", with_tail(cat({s0->send, s2->send}), {1}));
    put("noise_handshake", "raw-message1", with_tail(s0->send, {1}));
    Bytes low_order{0x00, 0x20};  // message 1 whose "e" is the all-zero (low-order) point: bad_dh
    low_order.resize(2 + 32, 0);
    put("noise_handshake", "raw-low-order-e", with_tail(low_order, {1}));
    Bytes muxers;  // payload mode: extensions { stream_muxers: "/yamux/1.0.0" } merged over the signed payload
    append(muxers, Bytes{0x22, 0x0e, 0x12, 0x0c});
    append(muxers, as_bytes("/yamux/1.0.0"));
    put("noise_handshake", "payload-muxers", with_tail(muxers, {0}));
  }
  put("noise_transport", "frames", Bytes{'h', 'e', 'l', 'l', 'o', 0, 5, 1, 0, 0, 0});
  put("noise_transport", "garbage", Bytes{0, 0x20, 1, 2, 3, 6, 6, 0, 16, 0});

  // yamux: what a client session sends (SYN, data, FIN, ping, window update, GoAway)
  {
    NullHandler h;
    yamux::Session client(yamux::Role::client, {}, h);
    Bytes wire;
    const auto a = *client.open_stream();
    const auto b = *client.open_stream();
    client.write(a, ms({"/multistream/1.0.0", "/ipfs/id/1.0.0"}), wire);
    client.write(b, as_bytes("hello"), wire);
    client.close_write(a);
    client.ping(42);
    client.reset(b);
    client.go_away(yamux::GoAwayCode::normal);
    client.take_output(wire);
    put("yamux_session", "client-streams", wire);
    put("yamux_header", "client-streams", BytesView(wire).first(yamux::kHeaderSize * 2));
  }

  // identify: one message, then a second one carrying the signed peer record (as go/js split it)
  identify::Info info;
  info.protocol_version = "ipfs/0.1.0";
  info.agent_version = "chiral-relay/0.1.0";
  info.public_key = relay_key.public_key().to_protobuf();
  info.listen_addrs = {Multiaddr::from_string(addrs[0])->bytes(), Multiaddr::from_string(addrs[1])->bytes()};
  info.observed_addr = Multiaddr::from_string("/ip4/203.0.113.9/tcp/51234")->bytes();
  info.protocols = {"/ipfs/id/1.0.0", "/ipfs/ping/1.0.0", "/libp2p/circuit/relay/0.2.0/hop"};
  identify::Info second;
  second.signed_peer_record = record;
  put("identify", "two-messages", cat({framed(identify::encode(info)), framed(identify::encode(second))}));

  // relay HOP / STOP
  using namespace relay_proto;
  const Bytes relay_addr = Multiaddr::from_string(addrs[0] + "/p2p/" + relay.to_string())->bytes();
  put("relay_hop", "reserve", encode_hop(HopMessage{}));
  put("relay_hop", "connect", encode_hop(HopMessage{HopType::CONNECT, PeerInfo{peer.bytes(), {}}}));
  put("relay_hop", "status-ok", encode_hop(HopMessage{HopType::STATUS, std::nullopt,
                                                      Reservation{1700000000, {relay_addr}, voucher},
                                                      Limit{120, 131072}, Status::OK}));
  put("relay_hop", "status-refused", encode_hop(HopMessage{HopType::STATUS, {}, {}, {}, Status::RESERVATION_REFUSED}));
  put("relay_stop", "connect", encode_stop(StopMessage{StopType::CONNECT, PeerInfo{relay.bytes(), {relay_addr}},
                                                       Limit{120, 131072}}));
  put("relay_stop", "status-ok", encode_stop(StopMessage{StopType::STATUS, {}, {}, Status::OK}));
  {
    namespace v2 = autonat::v2;
    namespace v1 = autonat::v1;
    const Bytes a1 = Multiaddr::from_string("/ip4/203.0.113.9/tcp/4001")->bytes();
    const Bytes a2 = Multiaddr::from_string("/ip6/2001:db8::9/tcp/4001")->bytes();
    put("autonat_v2", "dial-request", v2::encode_message(v2::DialRequest{{a1, a2}, 0x1122334455667788ULL}));
    put("autonat_v2", "dial-response", v2::encode_message(v2::DialResponse{v2::ResponseStatus::OK, 1, v2::DialStatus::OK}));
    put("autonat_v2", "dial-data-request", v2::encode_message(v2::DialDataRequest{0, 40000}));
    put("autonat_v2", "dial-data-response", v2::encode_dial_data_chunk(64));
    put("autonat_v2", "dial-back", v2::encode_dial_back(v2::DialBack{42}));
    put("autonat_v2", "dial-back-response", v2::encode_dial_back_response(v2::DialBackResponse{}));
    v1::Message dial;
    dial.dial = v1::Dial{v1::PeerInfo{peer.bytes(), {a1, a2}}};
    put("autonat_v1", "dial", v1::encode(dial));
    v1::Message resp;
    resp.type = v1::MessageType::DIAL_RESPONSE;
    resp.dial_response = v1::DialResponse{v1::ResponseStatus::OK, "", a1};
    put("autonat_v1", "dial-response-ok", v1::encode(resp));
    resp.dial_response = v1::DialResponse{v1::ResponseStatus::E_DIAL_ERROR, "dial failed", std::nullopt};
    put("autonat_v1", "dial-response-error", v1::encode(resp));
  }

  // ACL and IPs
  const std::string acl = "# relay ACL\nreserve allow peer " + peer.to_string() +
                          "\nreserve deny ip 10.0.0.0/8\nconnect deny ip 2001:db8::/32  # docs\n"
                          "connect allow peer " + relay.to_cid_base32() + "\n\nreserve allow ip ::ffff:192.0.2.1\n";
  put("acl", "rules", acl);
  int n = 0;
  for (const char* ip : {"10.0.0.0/8", "2001:db8::/32", "::ffff:1.2.3.4", "192.0.2.1", "[::1]", "fe80::1:2:3:4/64"})
    put("ip", std::to_string(n++), ip);
  return 0;
}
