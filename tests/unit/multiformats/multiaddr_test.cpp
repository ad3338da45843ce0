// Tests for multiformats/multiaddr.hpp with the text<->binary tables of multiformats/multiaddr
// (test/multiaddr.feature), go-multiaddr (multiaddr_test.go) and rust-multiaddr (tests/lib.rs).
#include "multiformats/multiaddr.hpp"

#include <gtest/gtest.h>

#include <random>
#include <unordered_set>

using namespace chiral;
using namespace chiral::multiformats;

namespace {

Bytes hex(std::string_view h) {
  Bytes b;
  EXPECT_TRUE(from_hex(h, b)) << h;
  return b;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Multiaddr ma(std::string_view text) {
  auto m = Multiaddr::from_string(text);
  EXPECT_TRUE(m) << text << ": " << (m ? "" : m.error().message());
  return m ? *m : Multiaddr();
}

constexpr const char* kQm = "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC";
constexpr const char* kQmHex = "a503221220d52ebb89d85b02a284948203a62ff28389c57c9f42beec4ec20db76a68911c0b";

}  // namespace

// Canonical text <-> binary pairs: both directions and both round trips.
TEST(Multiaddr, TextBinaryVectors) {
  const std::string qm = kQm, qmhex = kQmHex;
  const std::pair<std::string, std::string> vectors[] = {
      // multiformats/multiaddr test/multiaddr.feature
      {"/ip4/192.0.2.42/tcp/443", "04c000022a0601bb"},
      {"/ip4/127.0.0.1/tcp/4001", "047f000001060fa1"},
      // go-multiaddr TestStringToBytes / TestBytesToString
      {"/ip4/127.0.0.1/udp/1234", "047f000001910204d2"},
      {"/ip4/127.0.0.1/tcp/4321", "047f0000010610e1"},
      {"/ip4/127.0.0.1/udp/1234/ip4/127.0.0.1/tcp/4321", "047f000001910204d2047f0000010610e1"},
      // rust-multiaddr construct_success
      {"/ip4/1.2.3.4", "0401020304"},
      {"/ip4/0.0.0.0", "0400000000"},
      {"/ip6/::1", "2900000000000000000000000000000001"},
      {"/ip6/2601:9:4f81:9700:803e:ca65:66e8:c21", "29260100094F819700803ECA6566E80C21"},
      {"/ip6/fe80::9700:803e:ca65:66e8:c21/ip6zone/wlan0", "29FE80000000009700803ECA6566E80C212A05776C616E30"},
      {"/udp/0", "91020000"},
      {"/tcp/0", "060000"},
      {"/sctp/0", "84010000"},
      {"/udp/1234", "910204D2"},
      {"/tcp/1234", "0604D2"},
      {"/sctp/1234", "840104D2"},
      {"/udp/65535", "9102FFFF"},
      {"/tcp/65535", "06FFFF"},
      {"/p2p/" + qm, qmhex},
      {"/udp/1234/sctp/1234", "910204D2840104D2"},
      {"/udp/1234/udt", "910204D2AD02"},
      {"/udp/1234/utp", "910204D2AE02"},
      {"/tcp/1234/http", "0604D2E003"},
      {"/tcp/1234/tls/http", "0604D2C003E003"},
      {"/tcp/1234/http/http-path/user", "0604D2E003E1030475736572"},
      {"/tcp/1234/http/http-path/api%2Fv0%2Flogin", "0604D2E003E1030C6170692F76302F6C6F67696E"},
      {"/tcp/1234/http/http-path/a%2520space", "0604D2E003E10309612532307370616365"},
      {"/tcp/1234/https", "0604D2BB03"},
      {"/p2p/" + qm + "/tcp/1234", qmhex + "0604D2"},
      {"/ip4/127.0.0.1/udp/0", "047F00000191020000"},
      {"/ip4/127.0.0.1/tcp/1234", "047F0000010604D2"},
      {"/ip4/127.0.0.1/p2p/" + qm, "047F000001" + qmhex},
      {"/ip4/127.0.0.1/p2p/" + qm + "/tcp/1234", "047F000001" + qmhex + "0604D2"},
      {"/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/tcp/8000/ws/p2p/" + qm,
       "29200108A07AC542013AC986FFFE317095061F40DD03" + qmhex},
      {"/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/tcp/8000/wss/p2p/" + qm,
       "29200108A07AC542013AC986FFFE317095061F40DE03" + qmhex},
      {"/ip4/127.0.0.1/tcp/9090/p2p-circuit/p2p/" + qm, "047F000001062382A202" + qmhex},
      {"/dnsaddr/sjc-1.bootstrap.libp2p.io", "3819736A632D312E626F6F7473747261702E6C69627032702E696F"},
      {"/dnsaddr/sjc-1.bootstrap.libp2p.io/tcp/1234/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN",
       "3819736A632D312E626F6F7473747261702E6C69627032702E696F0604D2A50322122006B3608AA000274049EB28AD8E793A26FF6"
       "FAB281A7D3BD77CD18EB745DFAABB"},
      {"/ip4/127.0.0.1/tcp/127/ws", "047F00000106007FDD03"},
      {"/ip4/127.0.0.1/tcp/127/tls", "047F00000106007FC003"},
      {"/ip4/127.0.0.1/tcp/127/tls/ws", "047F00000106007FC003DD03"},
      {"/ip4/127.0.0.1/tcp/127/noise", "047F00000106007FC603"},
      {"/ip4/127.0.0.1/udp/1234/webrtc-direct", "047F000001910204D29802"},
      {"/ip4/127.0.0.1/udp/1234/webrtc-direct/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g",
       "047F000001910204D29802D203221220C3AB8FF13720E8AD9047DD39466B3C8974E592C2FA383D4A3960714CAEF0C4F2"},
      {"/ip4/127.0.0.1/udp/1234/quic/webtransport", "047F000001910204D2CC03D103"},
      {"/ip4/127.0.0.1/udp/1234/webtransport/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g",
       "047F000001910204D2D103D203221220C3AB8FF13720E8AD9047DD39466B3C8974E592C2FA383D4A3960714CAEF0C4F2"},
      // Derived by hand from protocols.csv (code 400 = 90 03, 777 = 89 06, 43 = 2b).
      {"/unix/a/b/c/d", "9003082f612f622f632f64"},
      {"/memory/4", "89060000000000000004"},
      {"/ip4/192.0.2.0/ipcidr/24", "04c00002002b18"},
  };
  for (const auto& [text, h] : vectors) {
    SCOPED_TRACE(text);
    auto from_text = Multiaddr::from_string(text);
    ASSERT_TRUE(from_text) << from_text.error().message();
    EXPECT_EQ(to_hex(from_text->bytes()), lower(h));
    auto from_bin = Multiaddr::from_bytes(hex(h));
    ASSERT_TRUE(from_bin) << from_bin.error().message();
    EXPECT_EQ(from_bin->to_string(), text);
    EXPECT_EQ(*from_bin, *from_text);
  }
}

// Text that parses but is printed differently (aliases, other encodings, trailing slash, ip6 forms).
TEST(Multiaddr, CanonicalText) {
  const std::pair<const char*, const char*> cases[] = {
      {"/ip4/127.0.0.1/tcp/1234/", "/ip4/127.0.0.1/tcp/1234"},
      {"/ipfs/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC", "/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC"},
      {"/p2p/k2k4r8oqamigqdo6o7hsbfwd45y70oyynp98usk7zmyfrzpqxh1pohl7",
       "/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC"},
      {"/p2p/bafzbeigvf25ytwc3akrijfecaotc74udrhcxzh2cx3we5qqnw5vgrei4bm",
       "/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC"},
      {"/p2p/k51qzi5uqu5dhb6l8spkdx7yxafegfkee5by8h7lmjh2ehc2sgg34z7c15vzqs",
       "/p2p/12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV"},
      {"/p2p/bafzaajaiaejcalj543iwv2d7pkjt7ykvefrkfu7qjfi6sduakhso4lay6abn2d5u",
       "/p2p/12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV"},
      {"/ip4/127.0.0.1/udp/1234/quic-v1/webtransport/certhash/b2uaraocy6yrdblb4sfptaddgimjmmpy/certhash/"
       "zQmbWTwYGcmdyK9CYfNBcfs9nhZs17a6FQ4Y8oea278xx41",
       "/ip4/127.0.0.1/udp/1234/quic-v1/webtransport/certhash/u1QEQOFj2IjCsPJFfMAxmQxLGPw/certhash/"
       "uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g"},
      // RFC 5952 section 4: leading zeros, longest/first zero run, lowercase, single zero group kept.
      {"/ip6/0:0:0:0:0:0:0:1", "/ip6/::1"},
      {"/ip6/0:0:0:0:0:0:0:0", "/ip6/::"},
      {"/ip6/2001:0DB8:0000:0000:0000:0000:0000:0001", "/ip6/2001:db8::1"},
      {"/ip6/2001:db8:0:0:1:0:0:1", "/ip6/2001:db8::1:0:0:1"},
      {"/ip6/2001:db8:0:1:1:1:1:1", "/ip6/2001:db8:0:1:1:1:1:1"},
      {"/ip6/2001:0:0:1:0:0:0:1", "/ip6/2001:0:0:1::1"},
      {"/ip6/1:0:0:0:0:0:0:0", "/ip6/1::"},
      {"/ip6/::ffff:7f00:1", "/ip6/::ffff:127.0.0.1"},
      {"/tcp/0080", "/tcp/80"},
  };
  for (const auto& [in, out] : cases) {
    auto m = Multiaddr::from_string(in);
    ASSERT_TRUE(m) << in << ": " << m.error().message();
    EXPECT_EQ(m->to_string(), out) << in;
  }
}

// go-multiaddr TestConstructSucceeds / TestRoundTrip (the protocols we implement).
TEST(Multiaddr, GoRoundTrips) {
  for (const char* s : {"/ip6/::ffff:127.0.0.1/tcp/111", "/ip4/127.0.0.1/tcp/123/tls", "/ip4/127.0.0.1/udp/123/ip6/::",
                        "/p2p/QmbHVEEepCi7rn7VL7Exxpd2Ci9NNB6ifvqwhsrbRMgQFP",
                        "/p2p/QmbHVEEepCi7rn7VL7Exxpd2Ci9NNB6ifvqwhsrbRMgQFP/unix/a/b/c", "/http-path/tmp%2Fbar",
                        "/http-path/tmp%2Fbar%2Fbaz", "/unix/stdio", "/ip4/1.2.3.4/tcp/80/unix/a/b/c/d/e/f",
                        "/ip6zone/x/ip6/fe80::1", "/ip6zone/x%y/ip6/fe80::1", "/ip6zone/x%y/ip6/::",
                        "/ip6zone/x/ip6/fe80::1/udp/1234/quic-v1", "/ip6/2001:db8::/ipcidr/32",
                        "/ip4/127.0.0.1/udp/1234/quic-v1/webtransport", "/ip4/127.0.0.1/tcp/127/webrtc",
                        "/ip4/127.0.0.1/tcp/0/p2p/12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV/http-path/foo",
                        "/ip4/127.0.0.1/tcp/443/tls/sni/example.com/http/http-path/foo",
                        "/dns4/relay.example.com/tcp/443/wss", "/dns6/x/tcp/1", "/dns/localhost/udp/9/quic-v1",
                        "/ip4/127.0.0.1/ipfs/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC/tcp/1234/unix/stdio"}) {
    auto m = Multiaddr::from_string(s);
    ASSERT_TRUE(m) << s << ": " << m.error().message();
    auto again = Multiaddr::from_bytes(m->bytes());
    ASSERT_TRUE(again) << s;
    const std::string expected = std::string_view(s).find("/ipfs/") != std::string_view::npos
                                     ? std::string("/ip4/127.0.0.1/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC/tcp/1234/unix/stdio")
                                     : std::string(s);
    EXPECT_EQ(again->to_string(), expected);
  }
}

// go-multiaddr TestConstructFails and rust-multiaddr construct_fail (entries for protocols we implement).
TEST(Multiaddr, InvalidText) {
  for (const char* s :
       {"/ip4", "/ip4/::1", "/ip4/fdpsofodsajfdoisa", "/ip4/::/ipcidr/256", "/ip6/::/ipcidr/1026", "/ip6", "/ip6zone",
        "/ip6zone/", "/ip6zone//ip6/fe80::1", "/udp", "/tcp", "/sctp", "/udp/65536", "/tcp/65536", "/quic/65536",
        "/quic-v1/65536", "/udp/1234/sctp", "/udp/1234/udt/1234", "/udp/1234/utp/1234",
        "/ip4/127.0.0.1/udp/jfodsajfidosajfoidsa", "/ip4/127.0.0.1/udp", "/ip4/127.0.0.1/tcp/jfodsajfidosajfoidsa",
        "/ip4/127.0.0.1/tcp", "/ip4/127.0.0.1/quic/1234", "/ip4/127.0.0.1/quic-v1/1234",
        "/ip4/127.0.0.1/udp/1234/quic-v1/webtransport/certhash",
        "/ip4/127.0.0.1/udp/1234/quic-v1/webtransport/certhash/b2uaraocy6yrdblb4sfptaddgimjmmp",
        "/ip4/127.0.0.1/ipfs", "/ip4/127.0.0.1/ipfs/tcp", "/ip4/127.0.0.1/p2p", "/ip4/127.0.0.1/p2p/tcp", "/unix",
        "/ip4/1.2.3.4/tcp/80/unix", "/ip4/1.2.3.4/tcp/-1", "/ip4/127.0.0.1/tcp/9090/http/p2p-webcrt-direct",
        "/memory/92233720368547758081", "/", "", "/p2p/QmxoHT6iViN5xAjoz1VZ553cL31U9F94ht3QvWR1FrEbZY",
        "/ip6/fe80::9700:803e:ca65:66e8:c21/ip6zone", "/p2p-circuit/50", "/tcp/1234/http/http-path/a/b",
        "/unknown/1.2.3.4", "/http-path/thisIsMissingAfullByte%f", "ip4/1.2.3.4", "/ip4/1.2.3.4//tcp/1",
        "/ip4/01.2.3.4", "/ip6/fe80::1%eth0", "/tcp/+1", "/tcp/ 1", "/dns4//tcp/1", "/http-path/"}) {
    EXPECT_FALSE(Multiaddr::from_string(s)) << s;
  }
}

TEST(Multiaddr, TextErrorCodes) {
  auto code = [](std::string_view s) { return Multiaddr::from_string(s).error(); };
  EXPECT_EQ(code(""), make_error_code(MultiaddrError::empty));
  EXPECT_EQ(code("/"), make_error_code(MultiaddrError::empty));
  EXPECT_EQ(code("ip4/1.2.3.4"), make_error_code(MultiaddrError::missing_leading_slash));
  EXPECT_EQ(code("/unknown/1"), make_error_code(MultiaddrError::unknown_protocol));
  EXPECT_EQ(code("/ip4"), make_error_code(MultiaddrError::missing_value));
  EXPECT_EQ(code("/ip4/1.2.3.256"), make_error_code(MultiaddrError::invalid_ip4));
  EXPECT_EQ(code("/ip6/1:2"), make_error_code(MultiaddrError::invalid_ip6));
  EXPECT_EQ(code("/tcp/65536"), make_error_code(MultiaddrError::invalid_port));
  EXPECT_EQ(code("/ipcidr/256"), make_error_code(MultiaddrError::invalid_number));
  EXPECT_EQ(code("/ip6zone/"), make_error_code(MultiaddrError::missing_value));  // trailing '/' is dropped
  EXPECT_EQ(code("/ip6zone//ip6/::1"), make_error_code(MultiaddrError::invalid_name));
  EXPECT_EQ(code("/dns4//tcp/1"), make_error_code(MultiaddrError::invalid_name));
  EXPECT_EQ(code("/http-path/%zz"), make_error_code(MultiaddrError::invalid_path));
  EXPECT_EQ(code("/p2p/QmInvalid0"), make_error_code(MultiaddrError::invalid_peer_id));
  EXPECT_EQ(code("/certhash/xyz"), make_error_code(MultiaddrError::invalid_certhash));
  EXPECT_EQ(code("/dns/" + std::string(1100, 'a')), make_error_code(MultiaddrError::too_large));
  EXPECT_EQ(code("/dns/" + std::string(5000, 'a')), make_error_code(MultiaddrError::too_large));
}

TEST(Multiaddr, InvalidBinary) {
  auto code = [](std::string_view h) { return Multiaddr::from_bytes(hex(h)).error(); };
  EXPECT_EQ(Multiaddr::from_bytes({}).error(), make_error_code(MultiaddrError::empty));
  EXPECT_EQ(code("01020304"), make_error_code(MultiaddrError::unknown_protocol));  // rust from_bytes_fail
  EXPECT_EQ(code("047f00"), make_error_code(MultiaddrError::truncated));
  EXPECT_EQ(code("06"), make_error_code(MultiaddrError::truncated));
  EXPECT_EQ(code("a503"), make_error_code(MultiaddrError::truncated));
  EXPECT_EQ(code("a50322"), make_error_code(MultiaddrError::truncated));
  EXPECT_EQ(code("a5"), make_error_code(MultiaddrError::truncated));
  EXPECT_EQ(code("8480000000"), make_error_code(MultiaddrError::invalid_varint));  // non-minimal code
  EXPECT_EQ(code("3503612f62"), make_error_code(MultiaddrError::invalid_name));     // dns "a/b"
  EXPECT_EQ(code("3500"), make_error_code(MultiaddrError::invalid_name));           // empty dns
  EXPECT_EQ(code("9003022f61060001"), make_error_code(MultiaddrError::component_after_path));
  EXPECT_EQ(code("90030161"), make_error_code(MultiaddrError::invalid_path));       // unix "a"
  EXPECT_EQ(code("a50303120100"), make_error_code(MultiaddrError::invalid_peer_id));
  EXPECT_EQ(code("d203021201"), make_error_code(MultiaddrError::invalid_certhash));
  Bytes big{0x35, 0x80, 0x08};  // dns with a 1024-byte name
  big.resize(big.size() + 1024, 'a');
  EXPECT_EQ(Multiaddr::from_bytes(big).error(), make_error_code(MultiaddrError::too_large));
}

// Found by fuzz_multiaddr_bytes: 1 KiB of 2-byte components prints ~5x longer; the text must still parse.
TEST(Multiaddr, LargestBinaryFormsRoundTripThroughText) {
  Bytes many;
  while (many.size() + 2 <= Multiaddr::kMaxBinarySize) append(many, Bytes{0x2b, 0xff});  // /ipcidr/255
  auto a = Multiaddr::from_bytes(many);
  ASSERT_TRUE(a) << a.error().message();
  const std::string text = a->to_string();
  EXPECT_GT(text.size(), 4096u);
  auto back = Multiaddr::from_string(text);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->bytes(), many);
}

// go-multiaddr TestDNS: "7*" + 42 '0' is /dns6 with a 42-byte name; it must survive a text round trip.
TEST(Multiaddr, GoDnsBytes) {
  const std::string raw = "7*000000000000000000000000000000000000000000";
  auto m = Multiaddr::from_bytes(as_bytes(raw));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to_string(), "/dns6/000000000000000000000000000000000000000000");
  auto again = Multiaddr::from_string(m->to_string());
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *m);
}

TEST(Multiaddr, Components) {
  // multiaddr.feature component table.
  const Multiaddr a = ma("/ip4/192.0.2.42/tcp/443");
  const auto cs = a.components();
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].code, Protocol::ip4);
  EXPECT_EQ(cs[0].name(), "ip4");
  EXPECT_EQ(to_hex(cs[0].value), "c000022a");
  EXPECT_EQ(cs[0].value_string(), "192.0.2.42");
  EXPECT_EQ(cs[1].code, Protocol::tcp);
  EXPECT_EQ(to_hex(cs[1].value), "01bb");
  EXPECT_EQ(cs[1].value_string(), "443");

  const Multiaddr unix_addr = ma("/ip4/0.0.0.0/unix/a/b/c/d");
  const auto path = unix_addr.components();
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(path[1].value_string(), "/a/b/c/d");  // go: ValueForProtocol(P_UNIX)
  const Multiaddr circuit_addr = ma("/ip4/1.2.3.4/tcp/1/p2p-circuit");
  const auto circuit = circuit_addr.components();
  ASSERT_EQ(circuit.size(), 3u);
  EXPECT_EQ(circuit[2].code, Protocol::p2p_circuit);
  EXPECT_TRUE(circuit[2].value.empty());
  EXPECT_EQ(circuit[2].value_string(), "");

  EXPECT_TRUE(ma("/ip4/1.2.3.4/tcp/1/p2p-circuit").is_circuit());
  EXPECT_FALSE(ma("/ip4/1.2.3.4/tcp/1").is_circuit());
  EXPECT_TRUE(ma("/ip4/1.2.3.4/tcp/1/ws").contains(Protocol::ws));

  EXPECT_EQ(protocol_name(Protocol::quic_v1), "quic-v1");
  EXPECT_EQ(protocol_name(Protocol::unix_path), "unix");
  EXPECT_EQ(protocol_from_name("ipfs"), Protocol::p2p);
  EXPECT_EQ(protocol_from_name("webrtc-direct"), Protocol::webrtc_direct);
  EXPECT_FALSE(protocol_from_name("onion3"));
}

TEST(Multiaddr, PeerIdHelpers) {
  auto relay = *PeerId::from_string("12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV");
  auto target = *PeerId::from_string(kQm);
  const Multiaddr base = ma("/ip4/1.2.3.4/tcp/4001");
  EXPECT_FALSE(base.peer_id());
  EXPECT_EQ(base.without_p2p(), base);

  const Multiaddr with = base.with_p2p(relay);
  EXPECT_EQ(with.to_string(), "/ip4/1.2.3.4/tcp/4001/p2p/12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV");
  EXPECT_EQ(with.peer_id(), relay);
  EXPECT_EQ(with.with_p2p(relay), with);  // already there
  EXPECT_EQ(with.without_p2p(), base);

  const Multiaddr circuit = with.encapsulate(ma("/p2p-circuit")).with_p2p(target);
  EXPECT_EQ(circuit.to_string(), "/ip4/1.2.3.4/tcp/4001/p2p/12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV"
                                 "/p2p-circuit/p2p/" + std::string(kQm));
  EXPECT_EQ(circuit.peer_id(), target);
  EXPECT_EQ(circuit.without_p2p().to_string(),
            "/ip4/1.2.3.4/tcp/4001/p2p/12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV/p2p-circuit");
  EXPECT_FALSE(circuit.without_p2p().peer_id());
  EXPECT_EQ(Multiaddr().encapsulate(base), base);
  EXPECT_TRUE(Multiaddr().empty());
  EXPECT_EQ(Multiaddr().to_string(), "");
}

TEST(Multiaddr, IpTcp) {
  auto v4 = ma("/ip4/1.2.3.4/tcp/4001/p2p/" + std::string(kQm)).ip_tcp();
  ASSERT_TRUE(v4);
  EXPECT_FALSE(v4->v6);
  EXPECT_EQ(v4->host_protocol, Protocol::ip4);
  EXPECT_EQ(v4->ip[0], 1);
  EXPECT_EQ(v4->ip[3], 4);
  EXPECT_EQ(v4->port, 4001);
  EXPECT_TRUE(v4->host.empty());
  EXPECT_EQ(v4->host_text(), "1.2.3.4");

  auto v6 = ma("/ip6/2001:db8::1/tcp/443/ws").ip_tcp();
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->v6);
  EXPECT_EQ(v6->ip[0], 0x20);
  EXPECT_EQ(v6->ip[15], 0x01);
  EXPECT_EQ(v6->port, 443);
  EXPECT_EQ(v6->host_text(), "2001:db8::1");

  auto dns = ma("/dns4/relay.example.com/tcp/443/wss").ip_tcp();
  ASSERT_TRUE(dns);
  EXPECT_EQ(dns->host, "relay.example.com");
  EXPECT_EQ(dns->host_protocol, Protocol::dns4);
  EXPECT_FALSE(dns->v6);
  auto dns6 = ma("/dns6/h/tcp/1").ip_tcp();
  ASSERT_TRUE(dns6);
  EXPECT_TRUE(dns6->v6);
  EXPECT_TRUE(ma("/dns/h/tcp/1").ip_tcp());

  EXPECT_FALSE(ma("/ip4/1.2.3.4/udp/1/quic-v1").ip_tcp());
  EXPECT_FALSE(ma("/tcp/1").ip_tcp());
  EXPECT_FALSE(ma("/ip4/1.2.3.4").ip_tcp());
  EXPECT_FALSE(ma("/dnsaddr/bootstrap.libp2p.io/tcp/1").ip_tcp());
  EXPECT_FALSE(ma("/ip6zone/x/ip6/fe80::1/tcp/1").ip_tcp());
  EXPECT_FALSE(Multiaddr().ip_tcp());
}

TEST(Multiaddr, FromIpTcp) {
  auto a = Multiaddr::from_ip_tcp("127.0.0.1", 4001);
  ASSERT_TRUE(a);
  EXPECT_EQ(to_hex(a->bytes()), "047f000001060fa1");
  EXPECT_EQ(Multiaddr::from_ip_tcp("::1", 80)->to_string(), "/ip6/::1/tcp/80");
  EXPECT_EQ(Multiaddr::from_ip_tcp("[2001:DB8::1]", 443)->to_string(), "/ip6/2001:db8::1/tcp/443");
  EXPECT_EQ(Multiaddr::from_ip_tcp("::ffff:10.0.0.1", 1)->to_string(), "/ip4/10.0.0.1/tcp/1");
  EXPECT_EQ(Multiaddr::from_ip_tcp("0.0.0.0", 0)->to_string(), "/ip4/0.0.0.0/tcp/0");
  EXPECT_EQ(Multiaddr::from_ip_tcp("fe80::1%eth0", 1).error(), make_error_code(MultiaddrError::invalid_ip6));
  EXPECT_EQ(Multiaddr::from_ip_tcp("1.2.3", 1).error(), make_error_code(MultiaddrError::invalid_ip4));
  EXPECT_EQ(Multiaddr::from_ip_tcp("", 1).error(), make_error_code(MultiaddrError::invalid_ip4));
  EXPECT_EQ(Multiaddr::from_ip_tcp("example.com", 1).error(), make_error_code(MultiaddrError::invalid_ip4));
}

TEST(Multiaddr, OrderingAndHash) {
  const Multiaddr a = ma("/ip4/1.2.3.4/tcp/1"), b = ma("/ip4/1.2.3.4/tcp/2"), c = ma("/ip4/1.2.3.4/tcp/1/");
  EXPECT_EQ(a, c);
  EXPECT_NE(a, b);
  EXPECT_TRUE(a < b);
  std::unordered_set<Multiaddr> set{a, b, c};
  EXPECT_EQ(set.size(), 2u);
}

// Whatever from_bytes accepts must print to text that parses back to the same bytes.
TEST(Multiaddr, MutatedBinaryRoundTrips) {
  std::vector<Bytes> seeds;
  for (const char* s : {"/ip4/192.0.2.42/tcp/443", "/ip6/2001:db8::1/udp/1/quic-v1/webtransport/certhash/"
                                                   "uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g",
                        "/dns4/a.b/tcp/443/wss/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC/p2p-circuit",
                        "/ip6zone/x/ip6/fe80::1/tcp/1/http/http-path/a%2Fb", "/unix/a/b", "/memory/7/sni/x"})
    seeds.push_back(ma(s).bytes());
  std::mt19937 rng(7);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes b = seeds[rng() % seeds.size()];
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      switch (rng() % 4) {
        case 0: b[rng() % b.size()] = static_cast<std::uint8_t>(rng()); break;
        case 1: b.resize(rng() % (b.size() + 1)); break;
        case 2: b.push_back(static_cast<std::uint8_t>(rng())); break;
        default: b[rng() % b.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;
      }
      if (b.empty()) b.push_back(0x04);
    }
    auto m = Multiaddr::from_bytes(b);
    if (!m) continue;
    ++accepted;
    const std::string text = m->to_string();
    auto back = Multiaddr::from_string(text);
    ASSERT_TRUE(back) << text << " from " << to_hex(b) << ": " << back.error().message();
    EXPECT_EQ(back->bytes(), b) << text;
    (void)m->components();
    (void)m->peer_id();
    (void)m->ip_tcp();
  }
  EXPECT_GT(accepted, 100);
}
