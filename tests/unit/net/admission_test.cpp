// Host + ResourceManager in process over loopback: connections over a cap are closed at accept (before
// Noise), inbound streams over a cap are reset while the connection lives on, the shared stream-buffer
// budget resets the stream that overflows it, and idle connections close unless their peer is exempt.
#include <gtest/gtest.h>

#include "net/host.hpp"
#include "services/ping_service.hpp"

using namespace chiral;
using namespace chiral::net;

namespace {

struct Node {
  Node(asio::io_context& io, HostConfig cfg = {}) : host(io, crypto::Ed25519PrivateKey::generate(), std::move(cfg)), ping(host) {}
  multiformats::Multiaddr listen() {
    EXPECT_FALSE(host.listen(*multiformats::Multiaddr::from_string("/ip4/127.0.0.1/tcp/0")));
    return host.bound_addrs().front().with_p2p(host.peer_id());
  }
  Host host;
  services::PingService ping;
};

HostConfig quiet(ResourceLimits limits = {}) {
  HostConfig c;
  c.connection.keepalive_interval = Clock::duration::zero();
  c.resources = limits;
  return c;
}

template <class Cond>
awaitable<bool> wait_until(Cond cond, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  for (auto waited = std::chrono::milliseconds(0); waited < limit; waited += std::chrono::milliseconds(10)) {
    if (cond()) co_return true;
    t.expires_after(std::chrono::milliseconds(10));
    co_await t.async_wait(use_nothrow);
  }
  co_return cond();
}

awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(use_nothrow);
}

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

TEST(Admission, PerIpCapRefusesAtAcceptAndFreesOnClose) {
  asio::io_context io;
  Node server(io, quiet({.max_connections_per_ip = 2}));
  Node c1(io, quiet()), c2(io, quiet()), c3(io, quiet());
  auto addr = server.listen();
  run(io, [&]() -> awaitable<void> {
    auto a = co_await c1.host.dial(addr);
    auto b = co_await c2.host.dial(addr);
    EXPECT_TRUE(a && b);
    if (!a || !b) co_return;
    auto refused = co_await c3.host.dial(addr);
    EXPECT_FALSE(refused);  // reset before the multistream header
    EXPECT_EQ(server.host.resources().refused(ResourceRefusal::connections_per_ip), 1u);
    EXPECT_EQ(server.host.connection_count(), 2u);
    (*a)->close("test: free a slot");
    EXPECT_TRUE(co_await wait_until([&] { return server.host.resources().usage().connections == 1; }));
    auto again = co_await c3.host.dial(addr);
    EXPECT_TRUE(again);
    // (the dialer is done once it sent Noise message 3; the server finishes a moment later)
    EXPECT_TRUE(co_await wait_until([&] { return server.host.resources().usage().pending_handshakes == 0; }));
    EXPECT_EQ(server.host.resources().usage().connections, 2u);
  });
}

TEST(Admission, PendingHandshakeCapCountsStalledSockets) {
  asio::io_context io;
  Node server(io, quiet({.max_pending_handshakes = 2}));
  Node client(io, quiet());
  auto addr = server.listen();
  const auto ep = tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.host.bound_addrs().front().ip_tcp()->port);
  run(io, [&]() -> awaitable<void> {
    // Two raw sockets that never speak hold both handshake slots.
    tcp::socket s1(io), s2(io);
    co_await s1.async_connect(ep, use_nothrow);
    co_await s2.async_connect(ep, use_nothrow);
    EXPECT_TRUE(co_await wait_until([&] { return server.host.resources().usage().pending_handshakes == 2; }));
    auto refused = co_await client.host.dial(addr);
    EXPECT_FALSE(refused);
    EXPECT_EQ(server.host.resources().refused(ResourceRefusal::pending_handshakes), 1u);
    s1.close();
    EXPECT_TRUE(co_await wait_until([&] { return server.host.resources().usage().pending_handshakes == 1; }));
    auto ok = co_await client.host.dial(addr);
    EXPECT_TRUE(ok);
  });
}

TEST(Admission, InboundStreamsOverTheCapAreResetConnectionStays) {
  asio::io_context io;
  Node server(io, quiet({.max_streams_per_connection = 3}));
  Node client(io, quiet());
  std::vector<StreamPtr> held;
  server.host.set_handler("/test/hold", [&held](StreamPtr s) -> awaitable<void> {
    held.push_back(s);  // keeps the stream (and its slot) alive
    co_return;
  });
  auto addr = server.listen();
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await client.host.dial(addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    int opened = 0, failed = 0;
    for (int i = 0; i < 6; ++i) {
      auto s = co_await (*conn)->open_stream("/test/hold");
      (s ? opened : failed)++;
    }
    EXPECT_EQ(opened, 3);
    EXPECT_EQ(failed, 3);
    EXPECT_EQ(server.host.resources().refused(ResourceRefusal::streams_per_connection), 3u);
    EXPECT_FALSE((*conn)->closed());
    held.clear();  // handlers done: slots come back
    EXPECT_TRUE(co_await wait_until([&] { return server.host.resources().usage().inbound_streams == 0; }));
    auto rtts = co_await client.ping.ping(*conn, 2, std::chrono::seconds(5));
    EXPECT_TRUE(rtts);
  });
}

TEST(Admission, StreamBufferBudgetResetsTheOverflowingStream) {
  asio::io_context io;
  Node server(io, quiet({.max_stream_buffer_bytes = 100 * 1024}));
  Node client(io, quiet());
  StreamPtr held;
  server.host.set_handler("/test/sink", [&held](StreamPtr s) -> awaitable<void> {
    held = s;  // never reads: everything sent stays buffered
    co_return;
  });
  auto addr = server.listen();
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await client.host.dial(addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    auto s = co_await (*conn)->open_stream("/test/sink");
    EXPECT_TRUE(s);
    if (!s) co_return;
    auto stream = *s;
    Bytes chunk(200 * 1024, 0x5a);  // within one yamux window, over the budget
    auto ec = co_await stream->write(chunk);
    EXPECT_FALSE(ec);
    EXPECT_TRUE(co_await wait_until([&] { return held && held->is_reset(); }));
    EXPECT_GE(server.host.resources().refused(ResourceRefusal::stream_memory), 1u);
    EXPECT_LE(server.host.resources().usage().stream_buffer_bytes, 100u * 1024);
    held.reset();
    EXPECT_TRUE(co_await wait_until([&] { return server.host.resources().usage().stream_buffer_bytes == 0; }));
    // The connection and its other streams keep working.
    auto rtts = co_await client.ping.ping(*conn, 2, std::chrono::seconds(5));
    EXPECT_TRUE(rtts);
  });
}

TEST(Admission, IdleConnectionClosesUnlessExempt) {
  asio::io_context io;
  HostConfig cfg = quiet();
  cfg.connection.idle_timeout = std::chrono::milliseconds(400);
  Node server(io, cfg);
  Node idle(io, quiet()), busy(io, quiet()), exempt(io, quiet());
  server.host.set_idle_exempt([&exempt](const multiformats::PeerId& p) { return p == exempt.host.peer_id(); });
  StreamPtr held;
  server.host.set_handler("/test/hold", [&held](StreamPtr s) -> awaitable<void> {
    held = s;
    co_return;
  });
  auto addr = server.listen();
  run(io, [&]() -> awaitable<void> {
    auto a = co_await idle.host.dial(addr);
    auto b = co_await busy.host.dial(addr);
    auto c = co_await exempt.host.dial(addr);
    EXPECT_TRUE(a && b && c);
    if (!a || !b || !c) co_return;
    auto s = co_await (*b)->open_stream("/test/hold");  // a connection with a stream is never idle
    EXPECT_TRUE(s);
    EXPECT_TRUE(co_await wait_until([&] { return (*a)->closed(); }));
    EXPECT_EQ(server.host.idle_closed(), 1u);
    co_await sleep_for(std::chrono::milliseconds(1200));
    EXPECT_FALSE((*b)->closed());
    EXPECT_FALSE((*c)->closed());  // exempt (a reserved relay peer, say)
    // Once its only stream is gone, `busy` is idle too.
    if (s) (*s)->reset();
    held.reset();
    EXPECT_TRUE(co_await wait_until([&] { return (*b)->closed(); }));
    EXPECT_FALSE((*c)->closed());
    EXPECT_EQ(server.host.idle_closed(), 2u);
  });
}

}  // namespace
