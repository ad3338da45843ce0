// RelayService in process: a relay, a reserving target and a connecting source over loopback TCP.
// Checks the protocol answers, vouchers, limits, and that no reservation or circuit slot leaks.
#include "services/relay_service.hpp"

#include <gtest/gtest.h>

#include <random>

#include "services/relay_client.hpp"

using namespace chiral;
using namespace chiral::net;
using namespace chiral::services;
using relay_proto::Status;

namespace {

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

HostConfig quiet() {
  HostConfig hc;
  hc.connection.keepalive_interval = Clock::duration::zero();
  return hc;
}

struct Relay {
  Relay(asio::io_context& io, relay::Limits limits)
      : host(io, crypto::Ed25519PrivateKey::generate(), quiet()), service(host, RelayConfig{limits}) {
    EXPECT_FALSE(host.listen(*multiformats::Multiaddr::from_string("/ip4/127.0.0.1/tcp/0")));
    addr = host.bound_addrs().front().with_p2p(host.peer_id());
  }
  Host host;
  RelayService service;
  multiformats::Multiaddr addr;
};

// A peer that echoes whatever arrives on circuits to it.
struct EchoPeer {
  explicit EchoPeer(asio::io_context& io)
      : host(io, crypto::Ed25519PrivateKey::generate(), quiet()),
        stop(host, [this](StreamPtr s, multiformats::PeerId, std::optional<relay_proto::Limit> l) -> awaitable<void> {
          last_limit = l;
          ++circuits;
          std::vector<std::uint8_t> buf(16384);
          for (;;) {
            auto n = co_await s->read_some(buf);
            if (!n) break;
            if (co_await s->write({buf.data(), *n})) co_return;
          }
          s->close_write();
        }) {}
  Host host;
  StopListener stop;
  std::optional<relay_proto::Limit> last_limit;
  int circuits = 0;
};

relay::Limits small_limits() {
  relay::Limits l;
  l.circuit_data_bytes = 4096;
  l.circuit_duration = std::chrono::seconds(60);
  return l;
}

TEST(RelayService, ReserveReturnsVoucherAddrsExpiryAndLimit) {
  asio::io_context io;
  Relay relay(io, small_limits());
  EchoPeer target(io);
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await target.host.dial(relay.addr);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    const auto before = std::chrono::system_clock::now();
    auto r = co_await relay_reserve(*conn);
    EXPECT_TRUE(r) << r.error().message();
    if (!r) co_return;
    EXPECT_EQ(r->type, relay_proto::HopType::STATUS);
    EXPECT_EQ(r->status, Status::OK);
    EXPECT_TRUE(r->reservation);
    if (!r->reservation) co_return;
    const auto& res = *r->reservation;
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(before.time_since_epoch()).count();
    EXPECT_GE(res.expire, static_cast<std::uint64_t>(now_s + 3600 - 2));
    EXPECT_LE(res.expire, static_cast<std::uint64_t>(now_s + 3600 + 2));
    EXPECT_FALSE(res.addrs.empty());
    for (const auto& a : res.addrs) {
      auto m = multiformats::Multiaddr::from_bytes(a);
      EXPECT_TRUE(m);
      if (!m) continue;
      EXPECT_EQ(m->peer_id(), relay.host.peer_id()) << m->to_string();
      EXPECT_FALSE(m->is_circuit());
    }
    auto voucher = relay_proto::verify_voucher(res.voucher);
    EXPECT_TRUE(voucher) << voucher.error().message();
    if (voucher) {
      EXPECT_EQ(voucher->relay, relay.host.peer_id());
      EXPECT_EQ(voucher->peer, target.host.peer_id());
      EXPECT_EQ(voucher->expiration, res.expire);
    }
    EXPECT_TRUE(r->limit);
    if (r->limit) {
      EXPECT_EQ(r->limit->duration_s, 60u);
      EXPECT_EQ(r->limit->data_bytes, 4096u);
    }
    EXPECT_EQ(relay.service.policy().reservations().size(), 1u);
    // Refresh: same slot, later or equal expiry.
    auto again = co_await relay_reserve(*conn);
    EXPECT_TRUE(again && again->status == Status::OK);
    EXPECT_EQ(relay.service.policy().reservations().size(), 1u);
    EXPECT_EQ(relay.service.policy().counters().reservations_refreshed, 1u);
    // Disconnect drops it.
    (*conn)->close("test");
    EXPECT_TRUE(co_await wait_until([&] { return relay.service.policy().reservations().size() == 0; }));
  });
}

TEST(RelayService, CircuitEchoesAndEnforcesDataLimit) {
  asio::io_context io;
  Relay relay(io, small_limits());
  EchoPeer target(io);
  Host source(io, crypto::Ed25519PrivateKey::generate(), quiet());
  run(io, [&]() -> awaitable<void> {
    auto tconn = co_await target.host.dial(relay.addr);
    EXPECT_TRUE(tconn);
    if (!tconn) co_return;
    auto r = co_await relay_reserve(*tconn);
    EXPECT_TRUE(r && r->status == Status::OK);
    auto sconn = co_await source.dial(relay.addr);
    EXPECT_TRUE(sconn);
    if (!sconn) co_return;
    auto c = co_await relay_connect(*sconn, target.host.peer_id());
    EXPECT_TRUE(c) << c.error().message();
    if (!c) co_return;
    EXPECT_EQ(c->status.status, Status::OK);
    EXPECT_TRUE(c->status.limit && c->status.limit->data_bytes == 4096);
    EXPECT_TRUE(target.last_limit && target.last_limit->data_bytes == 4096);  // both ends learn the limit
    if (!c->stream) co_return;
    auto s = c->stream;
    Bytes msg(3000, 0x42);
    EXPECT_FALSE(co_await s->write(msg));
    Bytes back(3000);
    EXPECT_FALSE(co_await s->read_exact(back));
    EXPECT_EQ(back, msg);
    EXPECT_EQ(relay.service.active_circuits(), 1u);
    // 3000 + 2000 > 4096 in our direction: the relay resets the circuit.
    co_await s->write(Bytes(2000, 0x43));
    auto rest = co_await s->read_to_end(100000);
    EXPECT_FALSE(rest);
    EXPECT_TRUE(co_await wait_until([&] { return relay.service.active_circuits() == 0; }));
    const auto& counters = relay.service.policy().counters();
    EXPECT_EQ(counters.circuits_cut_data_limit, 1u);
    EXPECT_EQ(counters.circuit_bytes_src_to_dst, 4096u);
    EXPECT_GE(counters.circuit_bytes_dst_to_src, 3000u);
  });
}

TEST(RelayService, RefusalsCarryTheRightStatus) {
  asio::io_context io;
  relay::Limits l = small_limits();
  l.max_circuits = 1;
  l.max_reservations = 1;
  Relay relay(io, l);
  EchoPeer target(io);
  EchoPeer other(io);
  Host source(io, crypto::Ed25519PrivateKey::generate(), quiet());
  run(io, [&]() -> awaitable<void> {
    auto sconn = co_await source.dial(relay.addr);
    EXPECT_TRUE(sconn);
    if (!sconn) co_return;
    // CONNECT to a peer without reservation.
    auto nores = co_await relay_connect(*sconn, target.host.peer_id());
    EXPECT_TRUE(nores && nores->status.status == Status::NO_RESERVATION);
    // CONNECT to the relay itself.
    auto self = co_await relay_connect(*sconn, relay.host.peer_id());
    EXPECT_TRUE(self && self->status.status != Status::OK);
    auto tconn = co_await target.host.dial(relay.addr);
    if (!tconn) co_return;
    EXPECT_TRUE((co_await relay_reserve(*tconn))->status == Status::OK);
    // Second reservation over max-reservations=1.
    auto oconn = co_await other.host.dial(relay.addr);
    if (!oconn) co_return;
    auto refused = co_await relay_reserve(*oconn);
    EXPECT_TRUE(refused && refused->status == Status::RESERVATION_REFUSED);
    // One circuit allowed; the second is over the cap.
    auto first = co_await relay_connect(*sconn, target.host.peer_id());
    EXPECT_TRUE(first && first->status.status == Status::OK);
    auto second = co_await relay_connect(*sconn, target.host.peer_id());
    EXPECT_TRUE(second && second->status.status == Status::RESOURCE_LIMIT_EXCEEDED);
    EXPECT_EQ(relay.service.policy().counters().circuits_refused.at("over_circuits_total"), 1u);
    if (first && first->stream) first->stream->reset();
    EXPECT_TRUE(co_await wait_until([&] { return relay.service.active_circuits() == 0; }));
  });
}

TEST(RelayService, NoLeaksAcrossReconnectsRefreshesAndKills) {
  asio::io_context io;
  relay::Limits l;
  l.circuit_data_bytes = 0;
  l.circuit_duration = std::chrono::seconds(0);
  Relay relay(io, l);
  std::mt19937 rng(42);
  // Peers outlive the loop: their connections finish closing asynchronously.
  std::vector<std::unique_ptr<EchoPeer>> targets;
  std::vector<std::unique_ptr<Host>> sources;
  run(io, [&]() -> awaitable<void> {
    for (int round = 0; round < 40; ++round) {
      EchoPeer& target = *targets.emplace_back(std::make_unique<EchoPeer>(io));
      Host& source = *sources.emplace_back(std::make_unique<Host>(io, crypto::Ed25519PrivateKey::generate(), quiet()));
      auto tconn = co_await target.host.dial(relay.addr);
      EXPECT_TRUE(tconn);
      if (!tconn) co_return;
      const int refreshes = 1 + static_cast<int>(rng() % 3);
      for (int i = 0; i < refreshes; ++i) {
        auto r = co_await relay_reserve(*tconn);
        EXPECT_TRUE(r && r->status == Status::OK);
      }
      auto sconn = co_await source.dial(relay.addr);
      if (!sconn) co_return;
      std::vector<StreamPtr> circuits;
      const int n = 1 + static_cast<int>(rng() % 3);
      for (int i = 0; i < n; ++i) {
        auto c = co_await relay_connect(*sconn, target.host.peer_id());
        EXPECT_TRUE(c && c->status.status == Status::OK);
        if (c && c->stream) {
          co_await c->stream->write(Bytes(100, 1));
          circuits.push_back(c->stream);
        }
      }
      switch (rng() % 4) {
        case 0: for (auto& c : circuits) c->reset(); break;            // source resets
        case 1: for (auto& c : circuits) c->close_write(); break;      // clean half-close
        case 2: (*tconn)->close("kill target"); break;                 // target dies
        case 3: (*sconn)->close("kill source"); break;                 // source dies
      }
      circuits.clear();
      (*sconn)->close("round done");
      (*tconn)->close("round done");
      target.host.stop();
      source.stop();
      EXPECT_TRUE(co_await wait_until([&] {
        return relay.service.active_circuits() == 0 && relay.service.policy().reservations().size() == 0 &&
               relay.host.connection_count() == 0;
      })) << "round " << round << ": circuits " << relay.service.active_circuits() << ", reservations "
          << relay.service.policy().reservations().size() << ", connections " << relay.host.connection_count();
    }
  }, std::chrono::seconds(60));
}

}  // namespace
