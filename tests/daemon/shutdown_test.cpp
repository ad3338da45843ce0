// Graceful shutdown against the daemon binary: after SIGTERM the relay accepts nothing new, lets open
// circuits finish (both ends see a clean EOF, never a reset), half-closes what is left when the grace
// period ends, and exits 0.
#include <gtest/gtest.h>

#include <csignal>
#include <random>

#include "daemon_process.hpp"
#include "test_support.hpp"
#include "services/relay_client.hpp"

using namespace chiral;
using namespace chiral::net;
using chiral::testing::DaemonProcess;
using chiral::testing::Dir;
using chiral::testing::log_has;
using chiral::testing::quiet;
using chiral::testing::run;
using relay_proto::Status;
namespace fs = std::filesystem;

namespace {

awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(use_nothrow);
}

// Reads until EOF or error; returns the bytes and whether the end was a clean EOF.
struct ReadAll {
  ReadAll() = default;
  Bytes data;
  error_code end;
};
awaitable<ReadAll> read_until_end(StreamPtr s) {
  ReadAll out;
  std::uint8_t buf[4096];
  for (;;) {
    auto n = co_await s->read_some(buf);
    if (!n) {
      out.end = n.error();
      co_return out;
    }
    out.data.insert(out.data.end(), buf, buf + *n);
  }
}

awaitable<Bytes> echo_round(StreamPtr s, std::string_view text) {
  Bytes out(text.size());
  const Bytes msg(text.begin(), text.end());
  if (co_await s->write(msg)) co_return Bytes{};
  if (co_await s->read_exact(out)) co_return Bytes{};
  co_return out;
}

class ShutdownDaemon : public ::testing::Test {
 protected:
  void start(std::vector<std::string> extra) {
    std::vector<std::string> args{"--listen", "/ip4/127.0.0.1/tcp/0", "--circuit-data-limit", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    daemon_ = std::make_unique<DaemonProcess>(dir_.path, args);
    ASSERT_TRUE(daemon_->started()) << daemon_->log();
    addr_ = *multiformats::Multiaddr::from_string(daemon_->multiaddr());
  }
  void TearDown() override {
    if (daemon_) daemon_->stop();
  }
  Dir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
  multiformats::Multiaddr addr_;
};

TEST_F(ShutdownDaemon, OpenCircuitKeepsFlowingAndEndsCleanly) {
  start({"--shutdown-grace", "30"});
  bool target_saw_eof = false;
  run([&](asio::io_context& io) -> awaitable<void> {
    Host source(io, crypto::Ed25519PrivateKey::generate(), quiet());
    Host target(io, crypto::Ed25519PrivateKey::generate(), quiet());
    Host idle(io, crypto::Ed25519PrivateKey::generate(), quiet());
    // The target echoes until the source half-closes, then half-closes too.
    services::StopListener stop(target, [&](StreamPtr s, multiformats::PeerId, std::optional<relay_proto::Limit>)
                                            -> awaitable<void> {
      std::uint8_t buf[4096];
      for (;;) {
        auto n = co_await s->read_some(buf);
        if (!n) {
          target_saw_eof = n.error() == asio::error::eof;
          break;
        }
        if (co_await s->write({buf, *n})) co_return;
      }
      s->close_write();
    });
    auto sc = co_await source.dial(addr_);
    auto tc = co_await target.dial(addr_);
    auto ic = co_await idle.dial(addr_);
    EXPECT_TRUE(sc && tc && ic);
    if (!sc || !tc || !ic) co_return;
    auto res = co_await services::relay_reserve(*tc);
    EXPECT_TRUE(res && res->status == Status::OK);
    auto idle_res = co_await services::relay_reserve(*ic);
    EXPECT_TRUE(idle_res && idle_res->status == Status::OK);
    auto circuit = co_await services::relay_connect(*sc, target.peer_id());
    EXPECT_TRUE(circuit && circuit->status.status == Status::OK);
    if (!circuit || !circuit->stream) co_return;
    StreamPtr s = circuit->stream;
    const std::string_view before = "before the signal";
    const Bytes echoed_before = co_await echo_round(s, before);
    EXPECT_EQ(echoed_before, Bytes(before.begin(), before.end()));

    daemon_->send_signal(SIGTERM);
    const bool draining = co_await log_has(*daemon_, "shutting down: 1 open circuit(s)", std::chrono::seconds(5));
    EXPECT_TRUE(draining) << daemon_->log();
    // The peer without a circuit is told to go (GoAway + close); the circuit's peers stay.
    const auto until = Clock::now() + std::chrono::seconds(5);
    while (!(*ic)->closed() && Clock::now() < until) co_await sleep_for(std::chrono::milliseconds(20));
    EXPECT_TRUE((*ic)->closed());
    EXPECT_FALSE((*sc)->closed());
    // Nothing new is accepted.
    Host late(io, crypto::Ed25519PrivateKey::generate(), quiet());
    auto lc = co_await late.dial(addr_);
    EXPECT_FALSE(lc);
    // A new circuit on the surviving connection is refused.
    auto refused = co_await services::relay_connect(*sc, target.peer_id());
    EXPECT_TRUE(refused && refused->status.status == Status::RESOURCE_LIMIT_EXCEEDED);
    // The open circuit still carries data both ways.
    const std::string after(20000, 'x');
    const std::string_view after_view = after;
    const Bytes echoed_after = co_await echo_round(s, after_view);
    EXPECT_EQ(echoed_after, Bytes(after.begin(), after.end()));
    // The source finishes: both ends see a clean EOF.
    s->close_write();
    auto rest = co_await read_until_end(s);
    EXPECT_EQ(rest.end, asio::error::eof) << rest.end.message();
    EXPECT_TRUE(rest.data.empty());
  });
  EXPECT_TRUE(target_saw_eof);
  // The daemon leaves long before the 30 s grace period: its last circuit is gone.
  EXPECT_EQ(daemon_->wait_exit(std::chrono::seconds(10)), 0) << daemon_->log();
  const auto log = daemon_->log();
  EXPECT_NE(log.find("ended (closed)"), std::string::npos) << log;
  EXPECT_EQ(log.find("still open after the grace period"), std::string::npos) << log;
}

TEST_F(ShutdownDaemon, CircuitStillOpenAfterGraceIsHalfClosedOnBothEnds) {
  start({"--shutdown-grace", "1"});
  bool target_saw_eof = false;
  run([&](asio::io_context& io) -> awaitable<void> {
    Host source(io, crypto::Ed25519PrivateKey::generate(), quiet());
    Host target(io, crypto::Ed25519PrivateKey::generate(), quiet());
    // The target only reads; it closes its side when the relay half-closes the circuit.
    services::StopListener stop(target, [&](StreamPtr s, multiformats::PeerId, std::optional<relay_proto::Limit>)
                                            -> awaitable<void> {
      auto all = co_await read_until_end(s);
      target_saw_eof = all.end == asio::error::eof;
      s->close_write();
    });
    auto sc = co_await source.dial(addr_);
    auto tc = co_await target.dial(addr_);
    EXPECT_TRUE(sc && tc);
    if (!sc || !tc) co_return;
    auto res = co_await services::relay_reserve(*tc);
    EXPECT_TRUE(res && res->status == Status::OK);
    auto circuit = co_await services::relay_connect(*sc, target.peer_id());
    EXPECT_TRUE(circuit && circuit->stream);
    if (!circuit || !circuit->stream) co_return;
    const Bytes hello{'h', 'i'};
    EXPECT_FALSE(co_await circuit->stream->write(hello));
    daemon_->send_signal(SIGTERM);
    // The source just reads: after ~1 s the relay half-closes its end (EOF, not a reset).
    const auto t0 = Clock::now();
    auto got = co_await read_until_end(circuit->stream);
    EXPECT_EQ(got.end, asio::error::eof) << got.end.message();
    EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(800));
    circuit->stream->close_write();
    auto drained = co_await log_has(*daemon_, "ended (closed)", std::chrono::seconds(10));
    EXPECT_TRUE(drained) << daemon_->log();
  });
  EXPECT_TRUE(target_saw_eof);
  EXPECT_EQ(daemon_->wait_exit(std::chrono::seconds(10)), 0) << daemon_->log();
  EXPECT_NE(daemon_->log().find("1 circuit(s) still open after the grace period: closing them"), std::string::npos)
      << daemon_->log();
}

TEST_F(ShutdownDaemon, SecondSignalSkipsTheGracePeriod) {
  start({"--shutdown-grace", "60"});
  run([&](asio::io_context& io) -> awaitable<void> {
    Host source(io, crypto::Ed25519PrivateKey::generate(), quiet());
    Host target(io, crypto::Ed25519PrivateKey::generate(), quiet());
    services::StopListener stop(target, [&](StreamPtr s, multiformats::PeerId, std::optional<relay_proto::Limit>)
                                            -> awaitable<void> {
      co_await read_until_end(s);
      s->close_write();
    });
    auto sc = co_await source.dial(addr_);
    auto tc = co_await target.dial(addr_);
    if (!sc || !tc) co_return;
    auto res = co_await services::relay_reserve(*tc);
    auto circuit = co_await services::relay_connect(*sc, target.peer_id());
    EXPECT_TRUE(res && circuit && circuit->stream);
    if (!circuit || !circuit->stream) co_return;
    daemon_->send_signal(SIGTERM);
    const bool draining = co_await log_has(*daemon_, "shutting down: 1 open circuit(s)", std::chrono::seconds(5));
    EXPECT_TRUE(draining);
    daemon_->send_signal(SIGTERM);
    auto got = co_await read_until_end(circuit->stream);
    EXPECT_EQ(got.end, asio::error::eof) << got.end.message();
    circuit->stream->close_write();
  });
  EXPECT_EQ(daemon_->wait_exit(std::chrono::seconds(10)), 0) << daemon_->log();
  EXPECT_NE(daemon_->log().find("skipping the rest of the grace period"), std::string::npos) << daemon_->log();
}

}  // namespace
