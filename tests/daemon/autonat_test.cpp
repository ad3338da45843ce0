// Raw AutoNAT v2 / v1 client tests against the daemon binary (libp2p/specs autonat/autonat-v2.md,
// autonat-v1.md): started with --autonat-allow-private so loopback listeners can be dialed back; without
// it, loopback is refused.
#include <gtest/gtest.h>

#include <random>

#include "daemon_process.hpp"
#include "test_support.hpp"
#include "services/autonat_client.hpp"

using namespace chiral;
using namespace chiral::net;
using namespace chiral::services;
using namespace std::chrono_literals;
using chiral::testing::DaemonProcess;
using chiral::testing::Dir;
using chiral::testing::log_has;
using chiral::testing::quiet;
using chiral::testing::run;
namespace v1 = autonat::v1;
namespace v2 = autonat::v2;
namespace fs = std::filesystem;

namespace {

multiformats::Multiaddr ma(std::string_view text) { return *multiformats::Multiaddr::from_string(text); }

class AutonatDaemon : public ::testing::Test {
 protected:
  void start(std::vector<std::string> extra) {
    std::vector<std::string> args{"--listen", "/ip4/127.0.0.1/tcp/0"};
    args.insert(args.end(), extra.begin(), extra.end());
    daemon_ = std::make_unique<DaemonProcess>(dir_.path, args);
    ASSERT_TRUE(daemon_->started()) << daemon_->log();
    addr_ = ma(daemon_->multiaddr());
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

}  // namespace

TEST_F(AutonatDaemon, DialBackOutcomes) {
  start({"--autonat-allow-private"});
  run([&](asio::io_context& io) -> awaitable<void> {
    Host client(io, crypto::Ed25519PrivateKey::generate(), quiet());
    DialBackListener dial_backs(client);
    EXPECT_FALSE(client.listen(ma("/ip4/127.0.0.1/tcp/0")));
    const auto listen = client.bound_addrs().front();
    auto conn = co_await client.dial(addr_);
    EXPECT_TRUE(conn);
    if (!conn) co_return;

    // A reachable listener: OK, and the nonce arrives from another identity than the relay's.
    std::vector<Bytes> addrs{listen.bytes()};
    auto ok = co_await autonat_v2_request(*conn, std::move(addrs), 0x8000000000000001ull);
    EXPECT_TRUE(ok) << ok.error().message();
    if (!ok) co_return;
    EXPECT_EQ(ok->response.status, v2::ResponseStatus::OK);
    EXPECT_EQ(ok->response.dial_status, v2::DialStatus::OK);
    EXPECT_EQ(dial_backs.received().size(), 1u);
    if (!dial_backs.received().empty()) {
      EXPECT_EQ(dial_backs.received()[0].nonce, 0x8000000000000001ull);
      EXPECT_NE(dial_backs.received()[0].from.to_base58(), daemon_->peer_id());
      EXPECT_EQ(dial_backs.received()[0].local_addr, listen);
    }

    // Nobody listens there: E_DIAL_ERROR.
    std::uint16_t dead_port = 0;
    {
      tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
      dead_port = a.local_endpoint().port();
    }
    std::vector<Bytes> dead{ma("/ip4/127.0.0.1/tcp/" + std::to_string(dead_port)).bytes()};
    auto err = co_await autonat_v2_request(*conn, std::move(dead), 2);
    EXPECT_TRUE(err && err->response.dial_status == v2::DialStatus::E_DIAL_ERROR);

    // A listener that accepts the connection but does not speak /libp2p/autonat/2/dial-back.
    Host bare(io, crypto::Ed25519PrivateKey::generate(), quiet());
    EXPECT_FALSE(bare.listen(ma("/ip4/127.0.0.1/tcp/0")));
    auto bconn = co_await bare.dial(addr_);
    EXPECT_TRUE(bconn);
    if (!bconn) co_return;
    std::vector<Bytes> baddrs{bare.bound_addrs().front().bytes()};
    auto back_err = co_await autonat_v2_request(*bconn, std::move(baddrs), 3);
    EXPECT_TRUE(back_err && back_err->response.dial_status == v2::DialStatus::E_DIAL_BACK_ERROR);

    // v1 on the same listener.
    v1::PeerInfo info;
    info.id = client.peer_id().bytes();
    info.addrs = {listen.bytes()};
    auto v1ok = co_await autonat_v1_request(*conn, info);
    EXPECT_TRUE(v1ok && v1ok->status == v1::ResponseStatus::OK);
  });
}

TEST_F(AutonatDaemon, OtherIpNeedsDialDataAndStallingIsCutOff) {
  start({"--autonat-allow-private"});
  run([&](asio::io_context& io) -> awaitable<void> {
    Host client(io, crypto::Ed25519PrivateKey::generate(), quiet());
    DialBackListener dial_backs(client);
    EXPECT_FALSE(client.listen(ma("/ip4/127.0.0.2/tcp/0")));
    auto conn = co_await client.dial(addr_);  // from 127.0.0.1
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    std::vector<Bytes> addrs{client.bound_addrs().front().bytes()};
    auto paid = co_await autonat_v2_request(*conn, std::move(addrs), 11);
    EXPECT_TRUE(paid) << paid.error().message();
    if (!paid) co_return;
    EXPECT_TRUE(paid->dial_data_request);
    if (paid->dial_data_request) {
      EXPECT_GE(paid->dial_data_request->num_bytes, 30000u);
      EXPECT_LE(paid->dial_data_request->num_bytes, 100000u);
    }
    EXPECT_EQ(paid->response.dial_status, v2::DialStatus::OK);

    // Now pay 8 KiB and stall: the daemon resets the stream at its dial-data deadline (15 s).
    auto opened = co_await (*conn)->open_stream(autonat::kDialRequestProtocolId);
    EXPECT_TRUE(opened);
    if (!opened) co_return;
    auto s = *opened;
    v2::DialRequest req;
    req.addrs.push_back(client.bound_addrs().front().bytes());
    req.nonce = 12;
    v2::Message m = std::move(req);
    const Bytes wire = v2::encode_message(m);
    EXPECT_FALSE(co_await s->write_frame(wire));
    auto ddr = co_await s->read_frame(autonat::kMaxMessageSize);
    EXPECT_TRUE(ddr);
    const Bytes chunk = v2::encode_dial_data_chunk(4096);
    EXPECT_FALSE(co_await s->write_frame(chunk));
    EXPECT_FALSE(co_await s->write_frame(chunk));
    const auto t0 = Clock::now();
    auto after = co_await s->read_frame(autonat::kMaxMessageSize);
    EXPECT_FALSE(after);
    EXPECT_GE(Clock::now() - t0, 10s);
    EXPECT_LE(Clock::now() - t0, 20s);
    EXPECT_EQ(dial_backs.received().size(), 1u) << "only the paid request was dialed";
  });
}

TEST_F(AutonatDaemon, WithoutAllowPrivateLoopbackIsRefused) {
  start({});
  run([&](asio::io_context& io) -> awaitable<void> {
    Host client(io, crypto::Ed25519PrivateKey::generate(), quiet());
    DialBackListener dial_backs(client);
    EXPECT_FALSE(client.listen(ma("/ip4/127.0.0.1/tcp/0")));
    auto conn = co_await client.dial(addr_);
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    std::vector<Bytes> addrs{client.bound_addrs().front().bytes()};
    auto r = co_await autonat_v2_request(*conn, std::move(addrs), 1);
    EXPECT_TRUE(r && r->response.status == v2::ResponseStatus::E_DIAL_REFUSED);
    v1::PeerInfo info;
    info.addrs = {client.bound_addrs().front().bytes()};
    auto r1 = co_await autonat_v1_request(*conn, info);
    EXPECT_TRUE(r1 && r1->status == v1::ResponseStatus::E_DIAL_REFUSED);
    EXPECT_TRUE(dial_backs.received().empty());
  });
}
