// AutonatService in process over loopback TCP: v2 dial-back outcomes (OK with the nonce, E_DIAL_ERROR,
// E_DIAL_BACK_ERROR), the amplification guard (dial data for another IP, slow or stingy senders cut off),
// refusals and limits, and the v1 equivalents.
#include "services/autonat_service.hpp"

#include <gtest/gtest.h>

#include "services/autonat_client.hpp"

using namespace chiral;
using namespace chiral::net;
using namespace chiral::services;
using namespace std::chrono_literals;
namespace v1 = autonat::v1;
namespace v2 = autonat::v2;
using multiformats::Multiaddr;

namespace {

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

awaitable<void> sleep_for(Clock::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(use_nothrow);
}

HostConfig quiet() {
  HostConfig hc;
  hc.connection.keepalive_interval = Clock::duration::zero();
  return hc;
}

AutonatConfig test_config(bool allow_private = true) {
  AutonatConfig cfg;
  cfg.allow_private = allow_private;
  cfg.dial_timeout = 3s;
  cfg.dial_back_timeout = 1s;
  cfg.dial_data_timeout = 1s;
  cfg.request_timeout = 2s;
  cfg.max_dial_delay = Clock::duration::zero();
  cfg.linger_timeout = 1s;
  return cfg;
}

Multiaddr ma(std::string_view text) { return *Multiaddr::from_string(text); }

struct Server {
  Server(asio::io_context& io, AutonatConfig cfg)
      : host(io, crypto::Ed25519PrivateKey::generate(), quiet()), service(host, std::move(cfg)) {
    EXPECT_FALSE(host.listen(ma("/ip4/127.0.0.1/tcp/0")));
    addr = host.bound_addrs().front().with_p2p(host.peer_id());
  }
  Host host;
  AutonatService service;
  Multiaddr addr;
};

// A peer that asks for checks and answers dial-backs on its listener at `ip`.
struct Client {
  explicit Client(asio::io_context& io, std::string_view ip = "127.0.0.1", std::string_view transport = "")
      : host(io, crypto::Ed25519PrivateKey::generate(), quiet()), dial_backs(host) {
    EXPECT_FALSE(host.listen(ma("/ip4/" + std::string(ip) + "/tcp/0" + std::string(transport))));
    listen_addr = host.bound_addrs().front();
  }
  Host host;
  DialBackListener dial_backs;
  Multiaddr listen_addr;
};

// A port on 127.0.0.1 nobody listens on.
std::uint16_t closed_port(asio::io_context& io) {
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = a.local_endpoint().port();
  a.close();
  return port;
}

std::uint64_t count(const std::map<std::string, std::uint64_t, std::less<>>& m, std::string_view key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

}  // namespace

TEST(AutonatService, RegistersBothProtocols) {
  asio::io_context io;
  Server server(io, test_config());
  const auto& protos = server.host.protocols();
  EXPECT_NE(std::find(protos.begin(), protos.end(), "/libp2p/autonat/2/dial-request"), protos.end());
  EXPECT_NE(std::find(protos.begin(), protos.end(), "/libp2p/autonat/1.0.0"), protos.end());
  EXPECT_EQ(std::find(protos.begin(), protos.end(), "/libp2p/autonat/2/dial-back"), protos.end());
  EXPECT_NE(server.service.dialer_peer_id(), server.host.peer_id());
}

TEST(AutonatService, V2ReachableListenerGetsOkAndTheNonce) {
  asio::io_context io;
  Server server(io, test_config());
  Client client(io);
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await client.host.dial(server.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    // The first address is not one we dial (UDP): the server must pick and report index 1.
    std::vector<Bytes> addrs{ma("/ip4/127.0.0.1/udp/4001/quic-v1").bytes(),
                             client.listen_addr.with_p2p(client.host.peer_id()).bytes()};
    const std::uint64_t nonce = 0xfedcba9876543210ull;
    auto r = co_await autonat_v2_request(*conn, std::move(addrs), nonce);
    EXPECT_TRUE(r) << r.error().message();
    if (!r) co_return;
    EXPECT_EQ(r->response.status, v2::ResponseStatus::OK);
    EXPECT_EQ(r->response.dial_status, v2::DialStatus::OK);
    EXPECT_EQ(r->response.addr_idx, 1u);
    EXPECT_FALSE(r->dial_data_request) << "same IP: no dial data";
    const auto& got = client.dial_backs.received();
    EXPECT_EQ(got.size(), 1u);
    if (got.empty()) co_return;
    EXPECT_EQ(got[0].nonce, nonce);
    // From the ephemeral identity, over a new connection that reached exactly the requested address.
    EXPECT_EQ(got[0].from, server.service.dialer_peer_id());
    EXPECT_NE(got[0].from, server.host.peer_id());
    EXPECT_EQ(got[0].local_addr, client.listen_addr);
    EXPECT_NE(got[0].remote_addr, server.host.bound_addrs().front()) << "dial-back must not use the listen port";
    const auto& c = server.service.counters();
    EXPECT_EQ(c.v2.requests, 1u);
    EXPECT_EQ(count(c.v2.dial_backs, "ok"), 1u);
    EXPECT_EQ(c.dial_data_requests, 0u);
    EXPECT_EQ(server.service.active_requests(), 0u);
  });
}

TEST(AutonatService, V2DialsBackOverWebSocket) {
  asio::io_context io;
  Server server(io, test_config());
  Client client(io, "127.0.0.1", "/ws");  // e.g. a node reachable only through its /ws listener
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await client.host.dial(server.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    std::vector<Bytes> addrs{client.listen_addr.with_p2p(client.host.peer_id()).bytes()};
    auto r = co_await autonat_v2_request(*conn, std::move(addrs), 42);
    EXPECT_TRUE(r) << r.error().message();
    if (!r) co_return;
    EXPECT_EQ(r->response.dial_status, v2::DialStatus::OK);
    const auto& got = client.dial_backs.received();
    EXPECT_EQ(got.size(), 1u);
    if (got.empty()) co_return;
    EXPECT_EQ(got[0].nonce, 42u);
    EXPECT_EQ(got[0].local_addr, client.listen_addr) << got[0].local_addr.to_string();  // ends in /ws
  });
}

TEST(AutonatService, V2NobodyListeningIsDialError) {
  asio::io_context io;
  Server server(io, test_config());
  Client client(io);
  const auto port = closed_port(io);
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await client.host.dial(server.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    std::vector<Bytes> addrs{ma("/ip4/127.0.0.1/tcp/" + std::to_string(port)).bytes()};
    auto r = co_await autonat_v2_request(*conn, std::move(addrs), 7);
    EXPECT_TRUE(r) << r.error().message();
    if (!r) co_return;
    EXPECT_EQ(r->response.status, v2::ResponseStatus::OK);
    EXPECT_EQ(r->response.dial_status, v2::DialStatus::E_DIAL_ERROR);
    EXPECT_EQ(count(server.service.counters().v2.dial_backs, "dial_error"), 1u);
  });
}

TEST(AutonatService, V2ListenerWithoutDialBackProtocolIsDialBackError) {
  asio::io_context io;
  Server server(io, test_config());
  Client client(io);
  Host bare(io, crypto::Ed25519PrivateKey::generate(), quiet());  // accepts connections, no dial-back handler
  EXPECT_FALSE(bare.listen(ma("/ip4/127.0.0.1/tcp/0")));
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await bare.dial(server.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    std::vector<Bytes> addrs{bare.bound_addrs().front().bytes()};
    auto r = co_await autonat_v2_request(*conn, std::move(addrs), 7);
    EXPECT_TRUE(r) << r.error().message();
    if (!r) co_return;
    EXPECT_EQ(r->response.status, v2::ResponseStatus::OK);
    EXPECT_EQ(r->response.dial_status, v2::DialStatus::E_DIAL_BACK_ERROR);
    EXPECT_EQ(count(server.service.counters().v2.dial_backs, "dial_back_error"), 1u);
  });
}

TEST(AutonatService, V2ListenerThatNeverAnswersIsDialBackErrorAndRejectsConcurrentRequest) {
  asio::io_context io;
  Server server(io, test_config());
  Host mute(io, crypto::Ed25519PrivateKey::generate(), quiet());
  int opened = 0;
  // Accepts the dial-back stream, then neither reads nor answers until the server gives up.
  mute.set_handler(std::string(autonat::kDialBackProtocolId), [&opened](StreamPtr s) -> awaitable<void> {
    ++opened;
    std::array<std::uint8_t, 1> b;
    asio::steady_timer t(co_await asio::this_coro::executor);
    t.expires_after(10s);
    co_await t.async_wait(use_nothrow);
    (void)b;
    s->reset();
  });
  EXPECT_FALSE(mute.listen(ma("/ip4/127.0.0.1/tcp/0")));
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await mute.dial(server.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    Result<AutonatV2Outcome> first = make_error_code(CoreError::timeout);
    bool first_done = false;
    auto c = *conn;
    const auto target = mute.bound_addrs().front();
    asio::co_spawn(io, [&, c, target]() -> awaitable<void> {
      std::vector<Bytes> addrs{target.bytes()};
      first = co_await autonat_v2_request(c, std::move(addrs), 1);
      first_done = true;
    }, asio::detached);
    co_await sleep_for(300ms);
    // Same peer while its first request is in progress: rejected at once (1 concurrent per peer).
    std::vector<Bytes> addrs2{target.bytes()};
    const auto t0 = Clock::now();
    auto second = co_await autonat_v2_request(c, std::move(addrs2), 2);
    EXPECT_TRUE(second) << second.error().message();
    if (second) {
      EXPECT_EQ(second->response.status, v2::ResponseStatus::E_REQUEST_REJECTED);
    }
    EXPECT_LT(Clock::now() - t0, 500ms);
    while (!first_done) co_await sleep_for(20ms);
    EXPECT_TRUE(first) << first.error().message();
    if (!first) co_return;
    EXPECT_EQ(first->response.status, v2::ResponseStatus::OK);
    EXPECT_EQ(first->response.dial_status, v2::DialStatus::E_DIAL_BACK_ERROR);
    EXPECT_EQ(opened, 1);
    EXPECT_EQ(count(server.service.counters().v2.refusals, "peer_concurrency"), 1u);
  });
}

TEST(AutonatService, V2OtherIpNeedsDialDataInRange) {
  asio::io_context io;
  Server server(io, test_config());
  Client client(io, "127.0.0.2");  // we connect from 127.0.0.1: the address's IP differs
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await client.host.dial(server.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    EXPECT_EQ((*conn)->info().local_endpoint.address().to_string(), "127.0.0.1");
    std::vector<Bytes> addrs{client.listen_addr.bytes()};
    auto r = co_await autonat_v2_request(*conn, std::move(addrs), 99);
    EXPECT_TRUE(r) << r.error().message();
    if (!r) co_return;
    EXPECT_TRUE(r->dial_data_request);
    if (!r->dial_data_request) co_return;
    EXPECT_EQ(r->dial_data_request->addr_idx, 0u);
    EXPECT_GE(r->dial_data_request->num_bytes, 30000u);
    EXPECT_LE(r->dial_data_request->num_bytes, 100000u);
    EXPECT_EQ(r->response.status, v2::ResponseStatus::OK);
    EXPECT_EQ(r->response.dial_status, v2::DialStatus::OK);
    EXPECT_EQ(client.dial_backs.received().size(), 1u);
    const auto& c = server.service.counters();
    EXPECT_EQ(c.dial_data_requests, 1u);
    EXPECT_EQ(c.dial_data_bytes, r->dial_data_sent);
    EXPECT_GE(c.dial_data_bytes, r->dial_data_request->num_bytes);
  });
}

// Sends a DialRequest for `addr`, reads the DialDataRequest, then sends `chunks` chunks of `chunk` bytes
// and waits for what the server does. Returns the DialDataRequest (if any) and the final read result.
struct RawOutcome {
  RawOutcome() = default;
  std::optional<v2::DialDataRequest> ddr;
  error_code end;  // how the stream ended for us after our (partial) data
  Clock::duration took{};
};

awaitable<RawOutcome> partial_dial_data(ConnectionPtr c, Multiaddr addr, std::size_t chunks, std::size_t chunk) {
  RawOutcome out;
  auto opened = co_await c->open_stream(autonat::kDialRequestProtocolId);
  if (!opened) {
    out.end = opened.error();
    co_return out;
  }
  StreamPtr s = *opened;
  v2::DialRequest req;
  req.addrs.push_back(addr.bytes());
  req.nonce = 5;
  v2::Message m = std::move(req);
  const Bytes wire = v2::encode_message(m);
  if (auto ec = co_await s->write_frame(wire)) {
    out.end = ec;
    co_return out;
  }
  auto frame = co_await s->read_frame(autonat::kMaxMessageSize);
  if (!frame) {
    out.end = frame.error();
    co_return out;
  }
  auto msg = v2::decode_message(*frame);
  if (msg && std::holds_alternative<v2::DialDataRequest>(*msg)) out.ddr = std::get<v2::DialDataRequest>(*msg);
  const auto t0 = Clock::now();
  for (std::size_t i = 0; i < chunks; ++i) {
    const Bytes data = v2::encode_dial_data_chunk(chunk);
    if (auto ec = co_await s->write_frame(data)) break;
  }
  auto rest = co_await s->read_frame(autonat::kMaxMessageSize);
  out.end = rest ? error_code{} : rest.error();
  out.took = Clock::now() - t0;
  co_return out;
}

TEST(AutonatService, V2SlowDialDataSenderIsCutOffByDeadline) {
  asio::io_context io;
  Server server(io, test_config());  // dial_data_timeout 1 s
  Client client(io, "127.0.0.2");
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await client.host.dial(server.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    // 5 * 4096 bytes of >= 30000 asked, then nothing: the server resets when its deadline passes.
    auto r = co_await partial_dial_data(*conn, client.listen_addr, 5, 4096);
    EXPECT_TRUE(r.ddr);
    EXPECT_EQ(r.end, asio::error::connection_reset) << r.end.message();
    EXPECT_GE(r.took, 800ms);
    EXPECT_LT(r.took, 3s);
    EXPECT_TRUE(client.dial_backs.received().empty()) << "no dial without the full amount";
    const auto& c = server.service.counters();
    EXPECT_EQ(count(c.v2.refusals, "dial_data_timeout"), 1u);
    EXPECT_EQ(c.dial_data_bytes, 5u * 4096);
    EXPECT_EQ(server.service.active_requests(), 0u);
  });
}

TEST(AutonatService, V2TinyDialDataChunksAreRefused) {
  asio::io_context io;
  Server server(io, test_config());
  Client client(io, "127.0.0.2");
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await client.host.dial(server.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    const auto t0 = Clock::now();
    auto r = co_await partial_dial_data(*conn, client.listen_addr, 3, 10);
    EXPECT_TRUE(r.ddr);
    EXPECT_EQ(r.end, asio::error::connection_reset) << r.end.message();
    EXPECT_LT(Clock::now() - t0, 800ms) << "refused at the first small chunk, not by the deadline";
    EXPECT_TRUE(client.dial_backs.received().empty());
    EXPECT_EQ(count(server.service.counters().v2.refusals, "dial_data_refused"), 1u);
  });
}

TEST(AutonatService, V2ClientRefusingTheCostGetsNoDial) {
  asio::io_context io;
  Server server(io, test_config());
  Client client(io, "127.0.0.2");
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await client.host.dial(server.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    AutonatV2ClientOptions stingy;
    stingy.max_dial_data = 1000;
    std::vector<Bytes> addrs{client.listen_addr.bytes()};
    auto r = co_await autonat_v2_request(*conn, std::move(addrs), 3, stingy);
    EXPECT_FALSE(r);
    co_await sleep_for(200ms);
    EXPECT_TRUE(client.dial_backs.received().empty());
    EXPECT_EQ(count(server.service.counters().v2.refusals, "dial_data_refused"), 1u);
    EXPECT_EQ(server.service.active_requests(), 0u);
  });
}

TEST(AutonatService, V2WithoutAllowPrivateLoopbackIsRefused) {
  asio::io_context io;
  Server server(io, test_config(false));
  Client client(io);
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await client.host.dial(server.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    std::vector<Bytes> addrs{client.listen_addr.bytes(), ma("/ip4/10.1.2.3/tcp/4001").bytes(),
                             ma("/ip6/::1/tcp/4001").bytes()};
    auto r = co_await autonat_v2_request(*conn, std::move(addrs), 3);
    EXPECT_TRUE(r) << r.error().message();
    if (!r) co_return;
    EXPECT_EQ(r->response.status, v2::ResponseStatus::E_DIAL_REFUSED);
    EXPECT_TRUE(client.dial_backs.received().empty());
    EXPECT_EQ(count(server.service.counters().v2.refusals, "no_dialable_address"), 1u);
  });
}

TEST(AutonatService, V2PerPeerRateLimit) {
  asio::io_context io;
  auto cfg = test_config();
  cfg.requests_per_minute_per_peer = 2;
  Server server(io, cfg);
  Client client(io);
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await client.host.dial(server.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    for (int i = 0; i < 3; ++i) {
      std::vector<Bytes> addrs{client.listen_addr.bytes()};
      auto r = co_await autonat_v2_request(*conn, std::move(addrs), static_cast<std::uint64_t>(i));
      EXPECT_TRUE(r) << r.error().message();
      if (!r) co_return;
      EXPECT_EQ(r->response.status, i < 2 ? v2::ResponseStatus::OK : v2::ResponseStatus::E_REQUEST_REJECTED) << i;
    }
    EXPECT_EQ(client.dial_backs.received().size(), 2u);
    EXPECT_EQ(count(server.service.counters().v2.refusals, "peer_rate"), 1u);
  });
}

TEST(AutonatService, V2GarbageRequestResetsTheStream) {
  asio::io_context io;
  Server server(io, test_config());
  Client client(io);
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await client.host.dial(server.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    auto s = co_await (*conn)->open_stream(autonat::kDialRequestProtocolId);
    EXPECT_TRUE(s);
    if (!s) co_return;
    // A DialResponse where a DialRequest belongs.
    v2::Message wrong = v2::DialResponse();
    const Bytes wire = v2::encode_message(wrong);
    EXPECT_FALSE(co_await (*s)->write_frame(wire));
    auto answer = co_await (*s)->read_frame(autonat::kMaxMessageSize);
    EXPECT_FALSE(answer);
    EXPECT_EQ(count(server.service.counters().v2.refusals, "bad_request"), 1u);
    EXPECT_EQ(server.service.active_requests(), 0u);
  });
}

TEST(AutonatService, V1DialsTheObservedIpOnly) {
  asio::io_context io;
  Server server(io, test_config());
  Client client(io);
  Client elsewhere(io, "127.0.0.2");
  const auto port = closed_port(io);
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await client.host.dial(server.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    v1::PeerInfo info;
    info.id = client.host.peer_id().bytes();
    info.addrs = {client.listen_addr.bytes()};
    auto ok = co_await autonat_v1_request(*conn, info);
    EXPECT_TRUE(ok) << ok.error().message();
    if (!ok) co_return;
    EXPECT_EQ(ok->status, v1::ResponseStatus::OK) << ok->status_text;
    EXPECT_EQ(ok->addr, client.listen_addr.bytes());

    // Another IP than the one we are seen with: refused, never dialed.
    v1::PeerInfo other;
    other.id = client.host.peer_id().bytes();
    other.addrs = {elsewhere.listen_addr.bytes()};
    auto refused = co_await autonat_v1_request(*conn, other);
    EXPECT_TRUE(refused && refused->status == v1::ResponseStatus::E_DIAL_REFUSED);
    if (refused) {
      EXPECT_NE(refused->status_text.find("other_ip"), std::string::npos) << refused->status_text;
    }

    v1::PeerInfo dead;
    dead.addrs = {ma("/ip4/127.0.0.1/tcp/" + std::to_string(port)).bytes()};  // no id: allowed
    auto failed = co_await autonat_v1_request(*conn, dead);
    EXPECT_TRUE(failed && failed->status == v1::ResponseStatus::E_DIAL_ERROR);
    if (failed) {
      EXPECT_FALSE(failed->status_text.empty());
    }

    v1::PeerInfo wrong_id;
    wrong_id.id = server.host.peer_id().bytes();
    wrong_id.addrs = {client.listen_addr.bytes()};
    auto bad = co_await autonat_v1_request(*conn, wrong_id);
    EXPECT_TRUE(bad && bad->status == v1::ResponseStatus::E_BAD_REQUEST);
    if (bad) {
      EXPECT_EQ(bad->status_text, "peer id mismatch");
    }

    const auto& c = server.service.counters().v1;
    EXPECT_EQ(c.requests, 4u);
    EXPECT_EQ(count(c.dial_backs, "ok"), 1u);
    EXPECT_EQ(count(c.dial_backs, "dial_error"), 1u);
    EXPECT_EQ(count(c.refusals, "no_dialable_address"), 1u);
    EXPECT_EQ(count(c.refusals, "bad_request"), 1u);
    EXPECT_TRUE(elsewhere.dial_backs.received().empty());
  });
}

TEST(AutonatService, V1WithoutAllowPrivateAndRateLimit) {
  asio::io_context io;
  auto cfg = test_config(false);
  cfg.requests_per_minute_per_peer = 1;
  Server server(io, cfg);
  Client client(io);
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await client.host.dial(server.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    v1::PeerInfo info;
    info.id = client.host.peer_id().bytes();
    info.addrs = {client.listen_addr.bytes()};
    auto refused = co_await autonat_v1_request(*conn, info);
    EXPECT_TRUE(refused && refused->status == v1::ResponseStatus::E_DIAL_REFUSED);
    auto limited = co_await autonat_v1_request(*conn, info);
    EXPECT_TRUE(limited && limited->status == v1::ResponseStatus::E_DIAL_REFUSED);
    if (limited) {
      EXPECT_EQ(limited->status_text, "request rejected: peer_rate");
    }
    EXPECT_EQ(count(server.service.counters().v1.refusals, "peer_rate"), 1u);
  });
}

TEST(AutonatService, StopRefusesNewRequests) {
  asio::io_context io;
  Server server(io, test_config());
  Client client(io);
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await client.host.dial(server.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    server.service.stop();
    std::vector<Bytes> addrs{client.listen_addr.bytes()};
    auto r = co_await autonat_v2_request(*conn, std::move(addrs), 1);
    EXPECT_TRUE(r && r->response.status == v2::ResponseStatus::E_REQUEST_REJECTED);
    EXPECT_TRUE(client.dial_backs.received().empty());
  });
}

TEST(AutonatService, DestroyedWhileRequestsAreInFlight) {
  asio::io_context io;
  Host server_host(io, crypto::Ed25519PrivateKey::generate(), quiet());
  auto service = std::make_unique<AutonatService>(server_host, test_config());
  EXPECT_FALSE(server_host.listen(ma("/ip4/127.0.0.1/tcp/0")));
  const auto server_addr = server_host.bound_addrs().front().with_p2p(server_host.peer_id());
  Host mute(io, crypto::Ed25519PrivateKey::generate(), quiet());
  mute.set_handler(std::string(autonat::kDialBackProtocolId), [](StreamPtr s) -> awaitable<void> {
    asio::steady_timer t(co_await asio::this_coro::executor);
    t.expires_after(10s);
    co_await t.async_wait(use_nothrow);
    s->reset();
  });
  EXPECT_FALSE(mute.listen(ma("/ip4/127.0.0.1/tcp/0")));
  Client payer(io, "127.0.0.2");
  std::vector<ConnectionPtr> keep;
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await mute.dial(server_addr);
    auto conn2 = co_await payer.host.dial(server_addr);
    EXPECT_TRUE(conn && conn2);
    if (!conn || !conn2) co_return;
    auto c = *conn;
    auto c2 = *conn2;
    keep = {c, c2};
    const auto target = mute.bound_addrs().front();
    const auto target2 = payer.listen_addr;
    // One request waiting on a dial-back stream, one in the middle of its dial data.
    asio::co_spawn(io, [c, target]() -> awaitable<void> {
      std::vector<Bytes> addrs{target.bytes()};
      (void)co_await autonat_v2_request(c, std::move(addrs), 1);
    }, asio::detached);
    asio::co_spawn(io, [c2, target2]() -> awaitable<void> {
      (void)co_await partial_dial_data(c2, target2, 2, 4096);
    }, asio::detached);
    co_await sleep_for(300ms);
    EXPECT_EQ(service->active_requests(), 2u);
  });
  // The service goes first, with its coroutines suspended, and the loop keeps running without it: the
  // dial-back host lives on until its connection is closed.
  service.reset();
  io.restart();
  io.run_for(3s);
  EXPECT_EQ(mute.connection_count(), 1u) << "only the requester's own connection is left";
}

TEST(AutonatService, NeverDialsItself) {
  asio::io_context io;
  Server server(io, test_config());
  Client client(io);
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await client.host.dial(server.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    std::vector<Bytes> addrs{server.host.bound_addrs().front().bytes()};
    auto r = co_await autonat_v2_request(*conn, std::move(addrs), 1);
    EXPECT_TRUE(r && r->response.status == v2::ResponseStatus::E_DIAL_REFUSED);
  });
}
