// Raw Circuit Relay v2 protocol tests against the daemon binary, with our own client.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "core/uvarint.hpp"
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

class RelayDaemon : public ::testing::Test {
 protected:
  void start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--listen", "/ip4/127.0.0.1/tcp/0"};
    args.insert(args.end(), extra.begin(), extra.end());
    daemon_ = std::make_unique<DaemonProcess>(dir_.path, args);
    ASSERT_TRUE(daemon_->started()) << daemon_->log();
    addr_ = *multiformats::Multiaddr::from_string(daemon_->multiaddr());
  }
  void TearDown() override {
    if (daemon_) {
      EXPECT_EQ(daemon_->stop(), 0) << daemon_->log();
    }
  }
  Dir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
  multiformats::Multiaddr addr_;
};

awaitable<Result<relay_proto::HopMessage>> send_raw_hop(ConnectionPtr c, BytesView body) {
  auto s = co_await c->open_stream(relay_proto::kHopProtocolId);
  if (!s) co_return s.error();
  if (auto ec = co_await (*s)->write_frame(body)) co_return ec;
  auto answer = co_await (*s)->read_frame(relay_proto::kMaxMessageSize);
  if (!answer) co_return answer.error();
  co_return relay_proto::decode_hop(*answer);
}

TEST_F(RelayDaemon, MalformedHopMessageGetsMalformedStatus) {
  start();
  run([&](asio::io_context& io) -> awaitable<void> {
    Host h(io, crypto::Ed25519PrivateKey::generate(), quiet());
    auto c = co_await h.dial(addr_);
    EXPECT_TRUE(c);
    if (!c) co_return;
    const Bytes garbage = {0x08, 0x07, 0xff, 0xff, 0xff};  // type 7 does not exist, then junk
    auto r = co_await send_raw_hop(*c, garbage);
    EXPECT_TRUE(r) << r.error().message();
    if (r) {
      EXPECT_EQ(r->status, Status::MALFORMED_MESSAGE);
    }
    const Bytes status_msg = {0x08, 0x02, 0x28, 0x64};  // a STATUS sent to the relay
    auto u = co_await send_raw_hop(*c, status_msg);
    EXPECT_TRUE(u && u->status == Status::UNEXPECTED_MESSAGE);
  });
  EXPECT_NE(daemon_->wait_for_log("hop request refused: MALFORMED_MESSAGE"), "") << daemon_->log();
}

TEST_F(RelayDaemon, OversizedHopMessageResetsStream) {
  start();
  run([&](asio::io_context& io) -> awaitable<void> {
    Host h(io, crypto::Ed25519PrivateKey::generate(), quiet());
    auto c = co_await h.dial(addr_);
    if (!c) co_return;
    auto r = co_await send_raw_hop(*c, Bytes(5000, 0));
    EXPECT_FALSE(r);  // no answer: the stream was reset
    // The connection itself survives.
    auto ok = co_await services::relay_reserve(*c);
    EXPECT_TRUE(ok && ok->status == Status::OK);
  });
}

TEST_F(RelayDaemon, StopOnTheRelayIsRefused) {
  start();
  run([&](asio::io_context& io) -> awaitable<void> {
    Host h(io, crypto::Ed25519PrivateKey::generate(), quiet());
    auto c = co_await h.dial(addr_);
    if (!c) co_return;
    auto s = co_await (*c)->open_stream(relay_proto::kStopProtocolId);
    EXPECT_FALSE(s);  // "na": the relay is not a relay client
  });
}

TEST_F(RelayDaemon, ConnectWithoutReservationAndOverCap) {
  start({"--max-circuits", "1"});
  run([&](asio::io_context& io) -> awaitable<void> {
    Host source(io, crypto::Ed25519PrivateKey::generate(), quiet());
    Host target(io, crypto::Ed25519PrivateKey::generate(), quiet());
    services::StopListener stop(target, [](StreamPtr s, multiformats::PeerId, std::optional<relay_proto::Limit>) -> awaitable<void> {
      co_await s->read_to_end(1 << 20);  // hold the circuit open until the source closes it
    });
    auto sc = co_await source.dial(addr_);
    auto tc = co_await target.dial(addr_);
    EXPECT_TRUE(sc && tc);
    if (!sc || !tc) co_return;
    auto nores = co_await services::relay_connect(*sc, target.peer_id());
    EXPECT_TRUE(nores && nores->status.status == Status::NO_RESERVATION);
    auto res = co_await services::relay_reserve(*tc);
    EXPECT_TRUE(res && res->status == Status::OK);
    auto first = co_await services::relay_connect(*sc, target.peer_id());
    EXPECT_TRUE(first && first->status.status == Status::OK);
    auto second = co_await services::relay_connect(*sc, target.peer_id());
    EXPECT_TRUE(second && second->status.status == Status::RESOURCE_LIMIT_EXCEEDED);
    if (first && first->stream) first->stream->close_write();
  });
  EXPECT_NE(daemon_->wait_for_log("NO_RESERVATION"), "") << daemon_->log();
  EXPECT_NE(daemon_->wait_for_log("RESOURCE_LIMIT_EXCEEDED \\(over_circuits_total\\)"), "") << daemon_->log();
}

TEST_F(RelayDaemon, AuthGateRequiresTokenOnTheCurrentConnection) {
  {
    std::ofstream f(dir_.path / "tokens");
    f << "# relay tokens\n\n  s3cret-token-1  \nanother\n";
  }
  start({"--auth-tokens-file", (dir_.path / "tokens").string()});
  run([&](asio::io_context& io) -> awaitable<void> {
    Host h(io, crypto::Ed25519PrivateKey::generate(), quiet());
    auto c = co_await h.dial(addr_);
    if (!c) co_return;
    auto denied = co_await services::relay_reserve(*c);
    EXPECT_TRUE(denied && denied->status == Status::PERMISSION_DENIED);
    auto wrong = co_await services::relay_authenticate(*c, "s3cret-token-2");
    EXPECT_TRUE(wrong && !*wrong);
    auto still = co_await services::relay_reserve(*c);
    EXPECT_TRUE(still && still->status == Status::PERMISSION_DENIED);
    auto right = co_await services::relay_authenticate(*c, "s3cret-token-1");
    EXPECT_TRUE(right && *right);
    auto ok = co_await services::relay_reserve(*c);
    EXPECT_TRUE(ok && ok->status == Status::OK);
    // A new connection starts unauthenticated.
    (*c)->close("reconnect");
    auto c2 = co_await h.dial(addr_);
    if (!c2) co_return;
    auto again = co_await services::relay_reserve(*c2);
    EXPECT_TRUE(again && again->status == Status::PERMISSION_DENIED);
  });
  EXPECT_EQ(daemon_->log().find("s3cret"), std::string::npos);  // tokens never logged
}

TEST_F(RelayDaemon, AclFileDeniesReservationsAndBadFileStopsStartup) {
  {
    std::ofstream f(dir_.path / "acl");
    f << "# no reservations from loopback\nreserve deny ip 127.0.0.0/8\n";
  }
  start({"--acl-file", (dir_.path / "acl").string()});
  run([&](asio::io_context& io) -> awaitable<void> {
    Host h(io, crypto::Ed25519PrivateKey::generate(), quiet());
    auto c = co_await h.dial(addr_);
    if (!c) co_return;
    auto denied = co_await services::relay_reserve(*c);
    EXPECT_TRUE(denied && denied->status == Status::PERMISSION_DENIED);
  });
  EXPECT_NE(daemon_->wait_for_log("PERMISSION_DENIED \\(acl\\)"), "") << daemon_->log();
  {
    std::ofstream f(dir_.path / "bad-acl");
    f << "reserve allow ip 10.0.0.0/8\nconnect maybe peer x\n";
  }
  DaemonProcess bad(dir_.path, {"--listen", "/ip4/127.0.0.1/tcp/0", "--acl-file", (dir_.path / "bad-acl").string()});
  EXPECT_FALSE(bad.started());
  EXPECT_NE(bad.wait_for_log("acl file .*bad-acl: line 2"), "") << bad.log();
  EXPECT_EQ(bad.stop(), 1);
}

}  // namespace
