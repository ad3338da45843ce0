// In-process tests of the WebSocket transport (src/net/ws_transport.*): hosts over /ws and /wss (TLS with a
// self-signed certificate made here with OpenSSL), identify + ping + a bulk echo over WebSocket, and hostile
// HTTP clients: a plain GET (426), an oversized upgrade request (431/closed), a stalled upgrade (deadline).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "net/host.hpp"
#include "services/identify_service.hpp"
#include "services/ping_service.hpp"

using namespace chiral;
using namespace chiral::net;
using multiformats::Multiaddr;

namespace {

Multiaddr ma(std::string_view s) { return *Multiaddr::from_string(s); }

struct Node {
  Node(asio::io_context& io, HostConfig cfg = {})
      : host(io, crypto::Ed25519PrivateKey::generate(), std::move(cfg)),
        identify(host, peers, {"test/1.0", "/chiral/relay/1.0.0", false}),
        ping(host) {}
  // Listens on `addr` and returns the bound address with /p2p.
  Multiaddr listen(std::string_view addr) {
    auto ec = host.listen(ma(addr));
    EXPECT_FALSE(ec) << ec.message();
    return host.bound_addrs().back().with_p2p(host.peer_id());
  }
  Host host;
  services::PeerStore peers;
  services::IdentifyService identify;
  services::PingService ping;
};

template <class F>
void run(asio::io_context& io, F body, std::chrono::seconds limit = std::chrono::seconds(30)) {
  bool finished = false;
  asio::co_spawn(io, [&]() -> awaitable<void> {
    co_await body();
    finished = true;
    io.stop();
  }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
  io.run_for(limit);
  io.restart();
  ASSERT_TRUE(finished) << "test coroutine did not finish in time";
}

// A temporary directory removed at the end of the test.
struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/chiral-ws-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path path;
};

// Writes a self-signed P-256 certificate for CN=localhost, SAN DNS:localhost + IP:127.0.0.1, and its key.
void make_self_signed(const std::filesystem::path& cert, const std::filesystem::path& key) {
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  ASSERT_NE(pkey, nullptr);
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, pkey);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  ASSERT_NE(san, nullptr);
  X509_add_ext(x, san, -1);
  X509_EXTENSION_free(san);
  ASSERT_GT(X509_sign(x, pkey, EVP_sha256()), 0);
  FILE* f = std::fopen(cert.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_X509(f, x);
  std::fclose(f);
  f = std::fopen(key.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(x);
  EVP_PKEY_free(pkey);
}

bool ends_with(const Multiaddr& a, std::string_view suffix) {
  const auto s = a.to_string();
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Identify (observed address keeps the transport suffix) + 3 pings + a 3 MiB echo over `addr`.
awaitable<void> exercise(Node& a, Node& b, Multiaddr addr, std::string suffix) {
  auto conn = co_await a.host.dial(addr);
  EXPECT_TRUE(conn) << conn.error().message();
  if (!conn) co_return;
  EXPECT_EQ((*conn)->remote_peer(), b.host.peer_id());
  EXPECT_TRUE(ends_with((*conn)->info().remote_addr(), suffix)) << (*conn)->info().remote_addr().to_string();
  auto info = co_await a.identify.identify(*conn);
  EXPECT_TRUE(info) << info.error().message();
  if (!info) co_return;
  auto observed = Multiaddr::from_bytes(info->observed_addr);
  EXPECT_TRUE(observed);
  if (observed) {
    EXPECT_EQ(observed->to_string(), (*conn)->info().local_addr().to_string());
    EXPECT_TRUE(ends_with(*observed, suffix)) << observed->to_string();
  }
  bool listed = false;  // b advertises its WebSocket address
  for (const auto& raw : info->listen_addrs) {
    auto m = Multiaddr::from_bytes(raw);
    if (m && ends_with(*m, suffix)) listed = true;
  }
  EXPECT_TRUE(listed);
  const Clock::duration ping_timeout = std::chrono::seconds(10);
  auto rtts = co_await a.ping.ping(*conn, 3, ping_timeout);
  EXPECT_TRUE(rtts) << rtts.error().message();
  if (rtts) { EXPECT_EQ(rtts->size(), 3u); }

  auto s = co_await (*conn)->open_stream("/test/echo");
  EXPECT_TRUE(s);
  if (!s) co_return;
  auto stream = *s;
  constexpr std::size_t kSize = 3 * 1024 * 1024;  // several write batches above kMaxWsWriteMessage
  auto payload = std::make_shared<Bytes>(kSize);
  for (std::size_t i = 0; i < kSize; ++i) (*payload)[i] = static_cast<std::uint8_t>(i * 13 + (i >> 11));
  asio::co_spawn(a.host.io(), [stream, payload]() -> awaitable<void> {
    EXPECT_FALSE(co_await stream->write(*payload));
    stream->close_write();
  }, asio::detached);
  auto back = co_await stream->read_to_end(kSize + 1);
  EXPECT_TRUE(back);
  if (back) { EXPECT_TRUE(*back == *payload); }
}

void add_echo(Node& n) {
  n.host.set_handler("/test/echo", [](StreamPtr s) -> awaitable<void> {
    std::vector<std::uint8_t> buf(32 * 1024);
    for (;;) {
      auto r = co_await s->read_some(buf);
      if (!r) break;
      if (co_await s->write({buf.data(), *r})) co_return;
    }
    s->close_write();
  });
}

// Raw TCP client: sends `request`, then reads until EOF/error (at most `cap` bytes) or `limit` passes.
struct RawResult {
  RawResult() = default;
  std::string received;
  error_code end;       // eof, connection_reset, or timed_out when still open at `limit`
  Clock::duration took{};
};
awaitable<RawResult> raw_exchange(tcp::endpoint ep, std::string request, std::chrono::milliseconds limit,
                                  std::size_t cap = 1 << 16) {
  RawResult r;
  auto ex = co_await asio::this_coro::executor;
  tcp::socket sock(ex);
  auto [cec] = co_await sock.async_connect(ep, use_nothrow);
  if (cec) {
    r.end = cec;
    co_return r;
  }
  const auto start = Clock::now();
  bool timed_out = false;
  asio::steady_timer t(ex);
  t.expires_after(limit);
  t.async_wait([&](error_code e) {
    if (!e) {
      timed_out = true;
      error_code ignored;
      sock.close(ignored);
    }
  });
  if (!request.empty()) {
    auto b = asio::buffer(request);
    auto [wec, n] = co_await asio::async_write(sock, b, use_nothrow);
    (void)wec;  // the server may have closed already (oversized request): read what it said anyway
  }
  char buf[4096];
  for (;;) {
    auto b = asio::buffer(buf);
    auto [ec, n] = co_await sock.async_read_some(b, use_nothrow);
    r.received.append(buf, n);
    if (ec) {
      r.end = timed_out ? make_error_code(asio::error::timed_out) : ec;
      break;
    }
    if (r.received.size() > cap) break;
  }
  t.cancel();
  r.took = Clock::now() - start;
  co_return r;
}

tcp::endpoint endpoint_of(Host& h) {
  auto it = h.bound_addrs().back().ip_tcp();
  return tcp::endpoint(asio::ip::make_address(it->host_text()), it->port);
}

}  // namespace

TEST(TransportSpec, ParsesTcpAndWebSocketForms) {
  auto spec = transport_spec(ma("/ip4/1.2.3.4/tcp/1"));
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->kind, WsKind::none);
  EXPECT_TRUE(spec->suffix.empty());
  spec = transport_spec(ma("/ip6/::1/tcp/1/ws/p2p/12D3KooWGzBjYZ1Wq8SmmP2vmrB8DhWQX7GDJ3d8DLbQKkYR9gWT"));
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->kind, WsKind::ws);
  EXPECT_EQ(spec->suffix.to_string(), "/ws");
  spec = transport_spec(ma("/dns4/relay.example/tcp/443/wss"));
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->kind, WsKind::wss);
  EXPECT_EQ(spec->suffix.to_string(), "/wss");
  spec = transport_spec(ma("/ip4/1.2.3.4/tcp/443/tls/sni/relay.example/ws"));
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->kind, WsKind::wss);
  EXPECT_EQ(spec->sni, "relay.example");
  EXPECT_EQ(spec->suffix.to_string(), "/tls/ws");
  for (auto bad : {"/ip4/1.2.3.4/tcp/1/tls", "/ip4/1.2.3.4/tcp/1/ws/ws", "/ip4/1.2.3.4/udp/1/quic-v1",
                   "/ip4/1.2.3.4/tcp/1/p2p-circuit", "/ip4/1.2.3.4/tcp/1/tls/http", "/ip4/1.2.3.4"}) {
    EXPECT_FALSE(transport_spec(ma(bad))) << bad;
  }
}

TEST(WebSocket, DialIdentifyPingEchoOverWs) {
  asio::io_context io;
  Node a(io), b(io);
  add_echo(b);
  auto tcp_addr = b.listen("/ip4/127.0.0.1/tcp/0");
  auto ws_addr = b.listen("/ip4/127.0.0.1/tcp/0/ws");
  EXPECT_TRUE(ends_with(ws_addr.without_p2p(), "/ws")) << ws_addr.to_string();
  EXPECT_FALSE(ends_with(tcp_addr.without_p2p(), "/ws"));
  bool in_listen_addrs = false;
  for (const auto& m : b.host.listen_addrs()) in_listen_addrs |= m == ws_addr.without_p2p();
  EXPECT_TRUE(in_listen_addrs);
  run(io, [&]() -> awaitable<void> {
    std::string suffix = "/ws";  // named: no converted temporaries in co_await (GCC 12)
    co_await exercise(a, b, ws_addr, suffix);
    // b saw an inbound /ws connection with a's address + /ws.
    auto conns = b.host.connections_to(a.host.peer_id());
    EXPECT_EQ(conns.size(), 1u);
    if (!conns.empty()) { EXPECT_TRUE(ends_with(conns.front()->info().remote_addr(), "/ws")); }
  }, std::chrono::seconds(60));
}

TEST(WebSocket, PlainHttpGetGets426AndClose) {
  asio::io_context io;
  Node b(io);
  b.listen("/ip4/127.0.0.1/tcp/0/ws");
  run(io, [&]() -> awaitable<void> {
    const auto ep = endpoint_of(b.host);
    std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    const std::chrono::milliseconds limit = std::chrono::seconds(10);
    auto r = co_await raw_exchange(ep, get, limit);
    EXPECT_EQ(r.received.rfind("HTTP/1.1 426", 0), 0u) << r.received;
    EXPECT_EQ(r.end, asio::error::eof) << r.end.message();
    EXPECT_EQ(b.host.connection_count(), 0u);
  });
}

TEST(WebSocket, OversizedUpgradeRequestIsRefused) {
  asio::io_context io;
  Node b(io);
  b.listen("/ip4/127.0.0.1/tcp/0/ws");
  std::string req =
      "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Pad: " + std::string(kMaxUpgradeRequest, 'a') + "\r\n\r\n";
  run(io, [&]() -> awaitable<void> {
    const auto ep = endpoint_of(b.host);
    const std::chrono::milliseconds limit = std::chrono::seconds(10);
    auto r = co_await raw_exchange(ep, req, limit);
    // Closed (FIN, or RST when our unread tail was still queued), never upgraded.
    EXPECT_TRUE(r.end == asio::error::eof || r.end == asio::error::connection_reset) << r.end.message();
    if (!r.received.empty()) { EXPECT_EQ(r.received.rfind("HTTP/1.1 431", 0), 0u) << r.received; }
    EXPECT_EQ(r.received.find("101"), std::string::npos);
    EXPECT_EQ(b.host.connection_count(), 0u);
  });
}

TEST(WebSocket, ListenerKeepsServingAfterGarbage) {
  asio::io_context io;
  Node a(io), b(io);
  add_echo(b);
  auto addr = b.listen("/ip4/127.0.0.1/tcp/0/ws");
  run(io, [&]() -> awaitable<void> {
    // A hostile-but-small client first: the listener keeps serving afterwards.
    const auto ep = endpoint_of(b.host);
    std::string garbage(kMaxUpgradeRequest * 2, 'x');
    const std::chrono::milliseconds limit = std::chrono::seconds(10);
    auto r = co_await raw_exchange(ep, garbage, limit);
    EXPECT_NE(r.end, asio::error::timed_out);
    auto conn = co_await a.host.dial(addr);
    EXPECT_TRUE(conn) << conn.error().message();
  });
}

TEST(WebSocket, StalledUpgradeIsCutByHandshakeDeadline) {
  asio::io_context io;
  HostConfig cfg;
  cfg.handshake_timeout = std::chrono::milliseconds(400);
  Node b(io, cfg);
  b.listen("/ip4/127.0.0.1/tcp/0/ws");
  run(io, [&]() -> awaitable<void> {
    const auto ep = endpoint_of(b.host);
    std::string partial = "GET / HTTP/1.1\r\nHost: x\r\n";
    const std::chrono::milliseconds limit = std::chrono::seconds(15);
    auto r = co_await raw_exchange(ep, partial, limit);
    EXPECT_NE(r.end, asio::error::timed_out) << "stalled upgrade was not cut";
    EXPECT_GE(r.took, std::chrono::milliseconds(300));
    EXPECT_TRUE(r.received.empty()) << r.received;
  });
}

TEST(WebSocket, WssNeedsTlsContext) {
  asio::io_context io;
  Node b(io);
  EXPECT_EQ(b.host.listen(ma("/ip4/127.0.0.1/tcp/0/wss")), make_error_code(WsError::tls_not_configured));
  EXPECT_EQ(b.host.listen(ma("/ip4/127.0.0.1/tcp/0/tls/ws")), make_error_code(WsError::tls_not_configured));
  EXPECT_TRUE(b.host.bound_addrs().empty());
}

TEST(WebSocket, WssWithSelfSignedCertificate) {
  TempDir dir;
  const auto cert = dir.path / "cert.pem";
  const auto key = dir.path / "key.pem";
  make_self_signed(cert, key);
  std::string why;
  HostConfig server_cfg;
  server_cfg.tls_server = make_tls_server_context(cert.string(), key.string(), &why);
  ASSERT_TRUE(server_cfg.tls_server) << why;
  HostConfig client_cfg;
  client_cfg.tls_client = make_tls_client_context(cert.string(), &why);
  ASSERT_TRUE(client_cfg.tls_client) << why;

  asio::io_context io;
  Node a(io, client_cfg), b(io, server_cfg), stranger(io);  // stranger: no trust anchors
  add_echo(b);
  auto wss = b.listen("/ip4/127.0.0.1/tcp/0/wss");
  auto tls_ws = b.listen("/ip4/127.0.0.1/tcp/0/tls/ws");
  EXPECT_TRUE(ends_with(wss.without_p2p(), "/wss"));
  EXPECT_TRUE(ends_with(tls_ws.without_p2p(), "/tls/ws"));
  run(io, [&]() -> awaitable<void> {
    std::string suffix = "/wss";
    co_await exercise(a, b, wss, suffix);
    auto second = co_await a.host.dial(tls_ws);
    EXPECT_TRUE(second) << second.error().message();
    auto refused = co_await stranger.host.dial(wss);
    EXPECT_FALSE(refused);
    // A plain ws client on the TLS port does not get through either.
    auto it = wss.ip_tcp();
    auto plain = ma("/ip4/127.0.0.1/tcp/" + std::to_string(it->port) + "/ws").with_p2p(b.host.peer_id());
    auto wrong = co_await a.host.dial(plain);
    EXPECT_FALSE(wrong);
  }, std::chrono::seconds(60));
}

TEST(WebSocket, TlsContextErrorsNameTheFile) {
  TempDir dir;
  const auto cert = dir.path / "cert.pem";
  const auto key = dir.path / "key.pem";
  const auto other_cert = dir.path / "other.pem";
  const auto other_key = dir.path / "other.key";
  make_self_signed(cert, key);
  make_self_signed(other_cert, other_key);
  std::string why;
  bool key_at_fault = true;
  EXPECT_FALSE(make_tls_server_context((dir.path / "missing.pem").string(), key.string(), &why, &key_at_fault));
  EXPECT_FALSE(key_at_fault);
  EXPECT_NE(why.find("missing.pem"), std::string::npos) << why;
  EXPECT_FALSE(make_tls_server_context(cert.string(), cert.string(), &why, &key_at_fault));  // not a key
  EXPECT_TRUE(key_at_fault);
  EXPECT_FALSE(make_tls_server_context(cert.string(), other_key.string(), &why, &key_at_fault));  // mismatch
  EXPECT_TRUE(key_at_fault);
  EXPECT_NE(why.find("other.key"), std::string::npos) << why;
  EXPECT_TRUE(make_tls_server_context(cert.string(), key.string(), &why, &key_at_fault)) << why;
}
