// Operator-facing behaviour of the binary: bad flags exit 2 with one line, SIGHUP re-reads --config and
// applies new relay limits without dropping connections, --log-format json writes one object per line.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

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

awaitable<Status> reserve_status(ConnectionPtr c) {
  auto r = co_await services::relay_reserve(c);
  if (!r || !r->status) co_return Status::UNUSED;
  co_return *r->status;
}

}  // namespace

TEST(DaemonFlags, BadValuesExitTwoWithOneLineNamingTheFlag) {
  Dir dir;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--port", "65536"}, "--port"},
      {{"--listen", "/ip4/127.0.0.1/tcp/notaport"}, "--listen"},
      {{"--external-address", "1.2.3.4:4001"}, "--external-address"},
      {{"--identity-path", "/etc/hostname/identity.key"}, "--identity-path"},
      {{"--metrics-file", "/proc/version/metrics.json"}, "--metrics-file"},
      {{"--max-circuits", "-3"}, "--max-circuits"},
      {{"--log-format", "yaml"}, "--log-format"},
  };
  for (const auto& [args, flag] : cases) {
    DaemonProcess d(dir.path, args);
    EXPECT_FALSE(d.started());
    EXPECT_EQ(d.wait_exit(std::chrono::seconds(10)), 2) << d.log();
    const std::string log = d.log();
    EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
    EXPECT_NE(log.find(flag), std::string::npos) << log;
  }
  EXPECT_FALSE(fs::exists(dir.path / "identity.key"));  // nothing was created on the way out
}

TEST(DaemonReload, SighupAppliesNewLimitsFromTheConfigFileWithoutDroppingPeers) {
  Dir dir;
  const auto config = dir.path / "relay.toml";
  std::ofstream(config) << "max-reservations = 1\nshutdown-grace = 1\n";
  DaemonProcess d(dir.path, {"--listen", "/ip4/127.0.0.1/tcp/0", "--config", config.string()});
  ASSERT_TRUE(d.started()) << d.log();
  const auto addr = *multiformats::Multiaddr::from_string(d.multiaddr());
  run([&](asio::io_context& io) -> awaitable<void> {
    Host a(io, crypto::Ed25519PrivateKey::generate(), quiet());
    Host b(io, crypto::Ed25519PrivateKey::generate(), quiet());
    Host c(io, crypto::Ed25519PrivateKey::generate(), quiet());
    auto ac = co_await a.dial(addr);
    auto bc = co_await b.dial(addr);
    auto cc = co_await c.dial(addr);
    EXPECT_TRUE(ac && bc && cc);
    if (!ac || !bc || !cc) co_return;
    EXPECT_EQ(co_await reserve_status(*ac), Status::OK);
    EXPECT_EQ(co_await reserve_status(*bc), Status::RESERVATION_REFUSED);

    const auto acl = dir.path / "acl";
    std::ofstream(acl) << "reserve deny peer " << c.peer_id().to_base58() << "\n";
    std::ofstream(config) << "max-reservations = 2\nshutdown-grace = 1\nport = 4999\nacl-file = \"" << acl.string()
                          << "\"\n";
    d.send_signal(SIGHUP);
    const bool reloaded = co_await log_has(d, "changed: max-reservations 1 -> 2", std::chrono::seconds(5));
    EXPECT_TRUE(reloaded) << d.log();
    const bool warned = co_await log_has(d, "--port changed; the new value takes effect after a restart",
                                         std::chrono::seconds(5));
    EXPECT_TRUE(warned) << d.log();
    EXPECT_EQ(co_await reserve_status(*bc), Status::OK);
    EXPECT_EQ(co_await reserve_status(*cc), Status::PERMISSION_DENIED);  // the new ACL file
    EXPECT_EQ(co_await reserve_status(*ac), Status::OK);  // A's connection and reservation survived
    EXPECT_FALSE((*ac)->closed());

    // A broken file: the previous settings stay (2 reservations, both taken; the ACL).
    std::ofstream(config) << "max-reservations = plenty\n";
    d.send_signal(SIGHUP);
    const bool failed = co_await log_has(d, "reload failed, keeping the previous settings", std::chrono::seconds(5));
    EXPECT_TRUE(failed) << d.log();
    EXPECT_EQ(co_await reserve_status(*cc), Status::PERMISSION_DENIED);
    EXPECT_EQ(co_await reserve_status(*bc), Status::OK);
  });
  EXPECT_TRUE(d.running());
  EXPECT_EQ(d.stop(), 0) << d.log();
}

TEST(DaemonLogs, JsonFormatIsOneObjectPerLineWithThePeer) {
  Dir dir;
  DaemonProcess d(dir.path, {"--listen", "/ip4/127.0.0.1/tcp/0", "--log-format", "json"});
  ASSERT_TRUE(d.started()) << d.log();
  const auto addr = *multiformats::Multiaddr::from_string(d.multiaddr());
  std::string our_peer;
  run([&](asio::io_context& io) -> awaitable<void> {
    Host h(io, crypto::Ed25519PrivateKey::generate(), quiet());
    our_peer = h.peer_id().to_base58();
    auto c = co_await h.dial(addr);
    if (!c) co_return;
    EXPECT_EQ(co_await reserve_status(*c), Status::OK);
    const bool logged = co_await log_has(d, "reservation accepted", std::chrono::seconds(5));
    EXPECT_TRUE(logged);
  });
  EXPECT_EQ(d.stop(), 0) << d.log();
  std::istringstream lines(d.log());
  std::string line;
  int parsed = 0, about_us = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    EXPECT_TRUE(j.contains("ts") && j.contains("level") && j.contains("msg")) << line;
    ++parsed;
    if (j.value("peer", "") == our_peer) ++about_us;
  }
  EXPECT_GE(parsed, 5);
  EXPECT_GE(about_us, 2);  // connected, reservation accepted, ...
}
