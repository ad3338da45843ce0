// In-process tests of the network layer: two hosts over loopback TCP (upgrade, identify, ping, streams,
// flow control, identify push), with everything on one io_context.
#include <gtest/gtest.h>

#include "crypto/envelope.hpp"
#include "net/host.hpp"
#include "net/splice.hpp"
#include "services/identify_service.hpp"
#include "services/ping_service.hpp"

using namespace chiral;
using namespace chiral::net;

namespace {

struct Node {
  Node(asio::io_context& io, HostConfig cfg = {})
      : host(io, crypto::Ed25519PrivateKey::generate(), std::move(cfg)),
        identify(host, peers, {"test/1.0", "/chiral/relay/1.0.0", false}),
        ping(host) {}
  multiformats::Multiaddr listen() {
    EXPECT_FALSE(host.listen(*multiformats::Multiaddr::from_string("/ip4/127.0.0.1/tcp/0")));
    return host.bound_addrs().front().with_p2p(host.peer_id());
  }
  Host host;
  services::PeerStore peers;
  services::IdentifyService identify;
  services::PingService ping;
};

// Polls `cond` every 10 ms for up to `limit`.
template <class Cond>
awaitable<bool> wait_until(Cond cond, std::chrono::milliseconds limit = std::chrono::milliseconds(3000)) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  for (auto waited = std::chrono::milliseconds(0); waited < limit; waited += std::chrono::milliseconds(10)) {
    if (cond()) co_return true;
    t.expires_after(std::chrono::milliseconds(10));
    co_await t.async_wait(use_nothrow);
  }
  co_return cond();
}

// Runs `body` as a coroutine on `io` and drives the loop until it finishes (or the test times out).
template <class F>
void run(asio::io_context& io, F body, std::chrono::seconds limit = std::chrono::seconds(20)) {
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

TEST(Host, DialIdentifyPing) {
  asio::io_context io;
  Node a(io), b(io);
  auto addr = b.listen();
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await a.host.dial(addr);
    EXPECT_TRUE(conn) << conn.error().message();
    if (!conn) co_return;
    EXPECT_EQ((*conn)->remote_peer(), b.host.peer_id());
    EXPECT_EQ((*conn)->info().muxer, "/yamux/1.0.0");
    auto info = co_await a.identify.identify(*conn);
    EXPECT_TRUE(info) << info.error().message();
    if (!info) co_return;
    EXPECT_EQ(info->agent_version, "test/1.0");
    EXPECT_EQ(info->protocol_version, "/chiral/relay/1.0.0");
    EXPECT_EQ(info->public_key, b.host.key().public_key().to_protobuf());
    EXPECT_NE(std::find(info->protocols.begin(), info->protocols.end(), "/ipfs/ping/1.0.0"), info->protocols.end());
    auto observed = multiformats::Multiaddr::from_bytes(info->observed_addr);
    EXPECT_TRUE(observed);
    if (observed) { EXPECT_EQ(observed->to_string(), (*conn)->info().local_addr().to_string()); }
    // The signed peer record verifies, is b's, and carries the same addresses as listenAddrs.
    auto record = crypto::open_peer_record(info->signed_peer_record);
    EXPECT_TRUE(record) << record.error().message();
    if (record) {
      EXPECT_EQ(record->record.peer_id, b.host.peer_id().bytes());
      EXPECT_EQ(record->record.addrs, info->listen_addrs);
      EXPECT_GT(record->record.seq, 0u);
    }
    auto rtts = co_await a.ping.ping(*conn, 5, std::chrono::seconds(5));
    EXPECT_TRUE(rtts);
    if (rtts) { EXPECT_EQ(rtts->size(), 5u); }
    EXPECT_EQ(b.host.connected_peer_count(), 1u);
  });
}

TEST(Host, WrongExpectedPeerIdIsRejected) {
  asio::io_context io;
  Node a(io), b(io);
  auto addr = b.listen().without_p2p().with_p2p(a.host.peer_id());  // not b's id
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await a.host.dial(addr);
    EXPECT_FALSE(conn);
  });
}

TEST(Host, LargeTransferWithFlowControlBothWays) {
  asio::io_context io;
  Node a(io), b(io);
  constexpr std::size_t kSize = 8 * 1024 * 1024;  // 32x the yamux window
  b.host.set_handler("/test/echo", [](StreamPtr s) -> awaitable<void> {
    std::vector<std::uint8_t> buf(32 * 1024);
    for (;;) {
      auto n = co_await s->read_some(buf);
      if (!n) break;
      if (co_await s->write({buf.data(), *n})) co_return;
    }
    s->close_write();
  });
  auto addr = b.listen();
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await a.host.dial(addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    auto s = co_await (*conn)->open_stream("/test/echo");
    EXPECT_TRUE(s);
    if (!s) co_return;
    auto stream = *s;
    Bytes payload(kSize);
    for (std::size_t i = 0; i < kSize; ++i) payload[i] = static_cast<std::uint8_t>(i * 7 + (i >> 13));
    // Writer and reader run concurrently: neither side may deadlock on the windows.
    asio::co_spawn(io, [stream, &payload]() -> awaitable<void> {
      EXPECT_FALSE(co_await stream->write(payload));
      stream->close_write();
    }, asio::detached);
    auto back = co_await stream->read_to_end(kSize + 1);
    EXPECT_TRUE(back);
    if (back) { EXPECT_TRUE(*back == payload); }
  }, std::chrono::seconds(60));
}

TEST(Host, SlowReaderBoundsBuffering) {
  asio::io_context io;
  Node a(io), b(io);
  StreamPtr held;
  b.host.set_handler("/test/sink", [&held](StreamPtr s) -> awaitable<void> {
    held = s;  // never reads
    co_return;
  });
  auto addr = b.listen();
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await a.host.dial(addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    auto s = co_await (*conn)->open_stream("/test/sink");
    EXPECT_TRUE(s);
    if (!s) co_return;
    auto stream = *s;
    bool wrote_all = false;
    asio::co_spawn(io, [stream, &wrote_all]() -> awaitable<void> {
      Bytes chunk(4 * 1024 * 1024);
      co_await stream->write(chunk);
      wrote_all = true;
    }, asio::detached);
    asio::steady_timer t(io, std::chrono::milliseconds(500));
    co_await t.async_wait(use_nothrow);
    EXPECT_FALSE(wrote_all);  // blocked by the receiver's window
    EXPECT_TRUE(held);
    if (!held) co_return;
    // The receiver buffered at most one window (256 KiB) for the stream.
    EXPECT_LE(held->buffered(), 256u * 1024);
    EXPECT_GT(held->buffered(), 0u);
    stream->reset();
  });
}

TEST(Host, StreamsAreFreedAfterUse) {
  asio::io_context io;
  Node a(io), b(io);
  auto addr = b.listen();
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await a.host.dial(addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    for (int i = 0; i < 200; ++i) {
      auto rtts = co_await a.ping.ping(*conn, 1, std::chrono::seconds(5));
      EXPECT_TRUE(rtts);
    }
    asio::steady_timer t(io, std::chrono::milliseconds(200));
    co_await t.async_wait(use_nothrow);
    EXPECT_EQ((*conn)->stream_count(), 0u);
    for (auto& c : b.host.connections()) EXPECT_EQ(c->stream_count(), 0u);
  });
}

TEST(Host, IdentifyPushOnAddressChange) {
  asio::io_context io;
  Node a(io), b(io);
  auto addr = b.listen();
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await a.host.dial(addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    // b learns a's (empty) listen addrs by identifying it, then a gains a listener and pushes.
    EXPECT_TRUE(co_await wait_until([&] { return b.host.connection_count() == 1; }));
    auto b_conns = b.host.connections();
    if (b_conns.size() != 1) co_return;
    auto first = co_await b.identify.identify(b_conns.front());
    EXPECT_TRUE(first);
    if (!first) co_return;
    EXPECT_TRUE(first->listen_addrs.empty());
    EXPECT_FALSE(a.host.listen(*multiformats::Multiaddr::from_string("/ip4/127.0.0.1/tcp/0")));
    a.identify.push_to_all();
    const auto want = a.host.bound_addrs().front().bytes();
    for (int i = 0; i < 100; ++i) {
      const auto* known = b.peers.find(a.host.peer_id());
      if (known && std::find(known->listen_addrs.begin(), known->listen_addrs.end(), want) != known->listen_addrs.end()) {
        co_return;
      }
      asio::steady_timer t(io, std::chrono::milliseconds(20));
      co_await t.async_wait(use_nothrow);
    }
    ADD_FAILURE() << "identify push did not deliver the new address";
  });
}

// A TCP proxy that forwards bytes until frozen, then swallows them while keeping both sockets open:
// the peer looks alive to TCP but never answers.
class BlackholeProxy {
 public:
  BlackholeProxy(asio::io_context& io, tcp::endpoint target) : io_(io), acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}), target_(target) {
    asio::co_spawn(io_, accept(), asio::detached);
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void freeze() { frozen_ = true; }

 private:
  awaitable<void> accept() {
    auto [ec, in] = co_await acceptor_.async_accept(use_nothrow);
    if (ec) co_return;
    auto a = std::make_shared<tcp::socket>(std::move(in));
    auto b = std::make_shared<tcp::socket>(io_);
    auto [cec] = co_await b->async_connect(target_, use_nothrow);
    if (cec) co_return;
    asio::co_spawn(io_, pump(a, b), asio::detached);
    asio::co_spawn(io_, pump(b, a), asio::detached);
  }
  awaitable<void> pump(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to) {
    std::vector<std::uint8_t> buf(65536);
    for (;;) {
      auto [ec, n] = co_await from->async_read_some(asio::buffer(buf), use_nothrow);
      if (ec) co_return;
      if (frozen_) continue;
      auto [wec, wn] = co_await asio::async_write(*to, asio::buffer(buf.data(), n), use_nothrow);
      if (wec) co_return;
    }
  }
  asio::io_context& io_;
  tcp::acceptor acceptor_;
  tcp::endpoint target_;
  bool frozen_ = false;
};

TEST(Host, KeepAliveDetectsUnresponsivePeer) {
  asio::io_context io;
  HostConfig fast;
  fast.connection.keepalive_interval = std::chrono::milliseconds(100);
  fast.connection.keepalive_timeout = std::chrono::milliseconds(300);
  Node a(io, fast), b(io);
  b.listen();
  BlackholeProxy proxy(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), b.host.bound_addrs().front().ip_tcp()->port));
  auto via_proxy = multiformats::Multiaddr::from_ip_tcp("127.0.0.1", proxy.port())->with_p2p(b.host.peer_id());
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await a.host.dial(via_proxy);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    asio::steady_timer t(io, std::chrono::milliseconds(400));
    co_await t.async_wait(use_nothrow);
    EXPECT_FALSE((*conn)->closed());  // pings answered through the proxy
    EXPECT_GT((*conn)->last_rtt().count(), 0);
    proxy.freeze();
    EXPECT_TRUE(co_await wait_until([&] { return (*conn)->closed(); }, std::chrono::milliseconds(2000)));
    EXPECT_EQ(a.host.connection_count(), 0u);
  });
}

TEST(Host, GracefulStopClosesPeers) {
  asio::io_context io;
  Node a(io), b(io);
  auto addr = b.listen();
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await a.host.dial(addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    EXPECT_TRUE(co_await wait_until([&] { return b.host.connection_count() == 1; }));
    b.host.stop();  // GoAway to every peer
    EXPECT_TRUE(co_await wait_until([&] { return (*conn)->closed(); }));
    EXPECT_EQ(b.host.connection_count(), 0u);
  });
}

// Splice harness: A opens "/test/left" and "/test/right" to B; B splices the two streams. What A writes on
// left comes out on right and vice versa, through B's splice with its limits.
struct SpliceRig {
  SpliceRig(asio::io_context& io, SpliceLimits limits) : a(io), b(io) {
    b.host.set_handler("/test/left", [this](StreamPtr s) -> awaitable<void> {
      left = s;
      co_await maybe_splice();
    });
    b.host.set_handler("/test/right", [this](StreamPtr s) -> awaitable<void> {
      right = s;
      co_await maybe_splice();
    });
    addr = b.listen();
    this->limits = limits;
  }
  awaitable<void> maybe_splice() {
    if (!left || !right) co_return;
    result = co_await splice(left, right, limits);
    done = true;
  }
  Node a, b;
  multiformats::Multiaddr addr;
  SpliceLimits limits;
  StreamPtr left, right;
  std::optional<SpliceResult> result;
  bool done = false;
};

TEST(Splice, ForwardsBothWaysAndPropagatesHalfClose) {
  asio::io_context io;
  SpliceRig rig(io, {});
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await rig.a.host.dial(rig.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    auto l = co_await (*conn)->open_stream("/test/left");
    auto r = co_await (*conn)->open_stream("/test/right");
    EXPECT_TRUE(l && r);
    if (!l || !r) co_return;
    Bytes big(3 * 1024 * 1024, 0x5a);
    auto left = *l, right = *r;
    asio::co_spawn(io, [left, &big]() -> awaitable<void> {
      co_await left->write(big);
      left->close_write();
    }, asio::detached);
    auto got = co_await right->read_to_end(big.size() + 1);
    EXPECT_TRUE(got);
    if (got) { EXPECT_EQ(got->size(), big.size()); }
    EXPECT_FALSE(co_await right->write(as_bytes("pong")));
    right->close_write();
    auto back = co_await left->read_to_end(16);
    EXPECT_TRUE(back);
    if (back) { EXPECT_EQ(as_string_view(*back), "pong"); }
    EXPECT_TRUE(co_await wait_until([&] { return rig.done; }));
    if (!rig.result) co_return;
    EXPECT_EQ(rig.result->end, SpliceEnd::closed);
    EXPECT_EQ(rig.result->a_to_b, big.size());
    EXPECT_EQ(rig.result->b_to_a, 4u);
  }, std::chrono::seconds(30));
}

TEST(Splice, DataLimitPerDirectionResetsCircuit) {
  asio::io_context io;
  SpliceRig rig(io, {1000, {}});
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await rig.a.host.dial(rig.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    auto l = co_await (*conn)->open_stream("/test/left");
    auto r = co_await (*conn)->open_stream("/test/right");
    if (!l || !r) co_return;
    auto left = *l, right = *r;
    // 1000 bytes each way are within the limit (per direction, not in total).
    EXPECT_FALSE(co_await left->write(Bytes(1000, 1)));
    EXPECT_FALSE(co_await right->write(Bytes(1000, 2)));
    Bytes buf(1000);
    EXPECT_FALSE(co_await right->read_exact(buf));
    EXPECT_FALSE(co_await left->read_exact(buf));
    // One byte more is over: the circuit is reset on both sides.
    EXPECT_FALSE(co_await left->write(Bytes(1, 3)));
    EXPECT_TRUE(co_await wait_until([&] { return rig.done; }));
    if (!rig.result) co_return;
    EXPECT_EQ(rig.result->end, SpliceEnd::data_limit);
    EXPECT_EQ(rig.result->a_to_b, 1000u);
    EXPECT_EQ(rig.result->b_to_a, 1000u);
    auto n = co_await right->read_some(buf);
    EXPECT_FALSE(n);
  });
}

TEST(Splice, DurationLimitResetsCircuit) {
  asio::io_context io;
  SpliceRig rig(io, {0, std::chrono::milliseconds(200)});
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await rig.a.host.dial(rig.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    auto l = co_await (*conn)->open_stream("/test/left");
    auto r = co_await (*conn)->open_stream("/test/right");
    if (!l || !r) co_return;
    EXPECT_TRUE(co_await wait_until([&] { return rig.done; }, std::chrono::milliseconds(2000)));
    if (rig.result) { EXPECT_EQ(rig.result->end, SpliceEnd::duration_limit); }
    Bytes buf(8);
    auto n = co_await (*l)->read_some(buf);
    EXPECT_FALSE(n);
  });
}

TEST(Splice, SlowReceiverDoesNotGrowBuffers) {
  asio::io_context io;
  SpliceRig rig(io, {});
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await rig.a.host.dial(rig.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    auto l = co_await (*conn)->open_stream("/test/left");
    auto r = co_await (*conn)->open_stream("/test/right");
    if (!l || !r) co_return;
    auto left = *l;
    std::size_t written = 0;
    asio::co_spawn(io, [left, &written]() -> awaitable<void> {
      Bytes chunk(64 * 1024, 7);
      for (int i = 0; i < 256; ++i) {  // 16 MiB offered, nobody reads the right side
        if (co_await left->write(chunk)) co_return;
        written += chunk.size();
      }
    }, asio::detached);
    asio::steady_timer t(io, std::chrono::milliseconds(800));
    co_await t.async_wait(use_nothrow);
    // Bounded by the windows along the path (2 streams x 256 KiB + the splice chunk), not by the offer.
    EXPECT_LT(written, 2u * 1024 * 1024);
    EXPECT_TRUE(rig.right && rig.left);
    if (rig.right && rig.left) {
      EXPECT_LE(rig.left->buffered(), 256u * 1024);
    }
    // The source gives up while the splice waits for the non-reading side's window: the circuit must
    // still end (a leaked circuit would hold its slot until the duration limit).
    left->reset();
    EXPECT_TRUE(co_await wait_until([&] { return rig.done; }));
    if (rig.result) {
      EXPECT_EQ(rig.result->end, SpliceEnd::reset);
    }
    EXPECT_TRUE(rig.right && rig.right->is_reset());
  });
}

}  // namespace
