// The daemon's operator metrics against the real binary: the --metrics-file document follows peers,
// reservations, circuits and bytes as they happen (and is never torn), the --prometheus-listen endpoint
// serves valid exposition text, and SIGTERM leaves final metrics and no pid file.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

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

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str(), nullptr, false);
}

// Polls the metrics file every 20 ms until `pred(json)` holds (the writer coalesces to <= 4 writes/s).
template <class Pred>
awaitable<bool> wait_metrics(const fs::path& file, Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  const auto deadline = Clock::now() + limit;
  for (;;) {
    const auto j = read_json(file);
    if (!j.is_discarded() && pred(j)) co_return true;
    if (Clock::now() >= deadline) co_return false;
    t.expires_after(std::chrono::milliseconds(20));
    co_await t.async_wait(use_nothrow);
  }
}

// GET /metrics over a blocking loopback socket; returns the whole response ("" on failure).
std::string scrape(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
    const std::string req = "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

// The value of an unlabelled sample in exposition text, or -1.
double sample(const std::string& text, const std::string& name) {
  std::smatch m;
  const std::regex re("(^|\n)" + name + " ([0-9.e+]+)\n");
  return std::regex_search(text, m, re) ? std::stod(m[2]) : -1;
}

// An abstract unix datagram socket standing in for systemd's NOTIFY_SOCKET.
class FakeSystemd {
 public:
  FakeSystemd() {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const std::string name = "chiral-metrics-test-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}());
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path + 1, name.data(), name.size());
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size()));
    address_ = "@" + name;
  }
  ~FakeSystemd() { ::close(fd_); }
  const std::string& address() const { return address_; }
  // The next datagram, or "" after `timeout`.
  std::string receive(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }
  // Waits for a datagram starting with `prefix`, skipping others.
  std::string wait_for(const std::string& prefix, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto m = receive(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()) +
                       std::chrono::milliseconds(1));
      if (m.starts_with(prefix)) return m;
    }
    return {};
  }

 private:
  int fd_ = -1;
  std::string address_;
};

class MetricsDaemon : public ::testing::Test {
 protected:
  void SetUp() override {
    metrics_ = dir_.path / "metrics.json";
    pid_file_ = dir_.path / "relay.pid";
    // The daemon runs as under systemd: READY tells that its signal handlers are installed.
    ::setenv("NOTIFY_SOCKET", systemd_.address().c_str(), 1);
    ::setenv("WATCHDOG_USEC", "1000000", 1);
    daemon_ = std::make_unique<DaemonProcess>(
        dir_.path, std::vector<std::string>{"--listen", "/ip4/127.0.0.1/tcp/0", "--metrics-file", metrics_.string(),
                                            "--pid-file", pid_file_.string(), "--prometheus-listen", "127.0.0.1:0"});
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ASSERT_TRUE(daemon_->started()) << daemon_->log();
    EXPECT_NE(systemd_.wait_for("READY=1"), "") << daemon_->log();
    addr_ = *multiformats::Multiaddr::from_string(daemon_->multiaddr());
    std::smatch m;
    const auto line = daemon_->wait_for_log(R"(prometheus metrics on http://127\.0\.0\.1:\d+/metrics)");
    static const std::regex port_re(R"(127\.0\.0\.1:(\d+)/metrics)");
    ASSERT_TRUE(std::regex_search(line, m, port_re)) << daemon_->log();
    prometheus_port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
  }
  void TearDown() override {
    if (daemon_ && daemon_->running()) {
      EXPECT_EQ(daemon_->stop(), 0) << daemon_->log();
    }
  }
  Dir dir_;
  FakeSystemd systemd_;
  fs::path metrics_, pid_file_;
  std::unique_ptr<DaemonProcess> daemon_;
  multiformats::Multiaddr addr_;
  std::uint16_t prometheus_port_ = 0;
};

}  // namespace

TEST_F(MetricsDaemon, FileHasTheGuideFieldsAndConcreteAddresses) {
  const auto j = read_json(metrics_);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j.value("peer_id", ""), daemon_->peer_id());
  for (const char* f : {"connected_peers", "uptime_seconds", "relay_reservations", "relay_circuits"}) {
    EXPECT_TRUE(j.contains(f) && j[f].is_number_unsigned()) << f;
  }
  for (const char* f : {"version", "started_at", "updated_at"}) EXPECT_TRUE(j.contains(f) && j[f].is_string()) << f;
  ASSERT_TRUE(j["listen_addresses"].is_array());
  ASSERT_FALSE(j["listen_addresses"].empty());
  EXPECT_EQ(j["listen_addresses"][0], daemon_->multiaddr());
  for (const auto& a : j["listen_addresses"]) {
    EXPECT_NE(a.get<std::string>().find("/p2p/" + daemon_->peer_id()), std::string::npos) << a;
    EXPECT_EQ(a.get<std::string>().find("/0.0.0.0/"), std::string::npos) << a;
  }
  std::ifstream pid(pid_file_);
  pid_t recorded = 0;
  pid >> recorded;
  EXPECT_GT(recorded, 0);
}

TEST_F(MetricsDaemon, ValuesFollowPeersReservationsAndCircuits) {
  run([&](asio::io_context& io) -> awaitable<void> {
    const auto key = crypto::Ed25519PrivateKey::generate();
    Host target(io, key, quiet());
    Host target_again(io, key, quiet());  // the same peer on a second connection
    Host source(io, crypto::Ed25519PrivateKey::generate(), quiet());
    // Echo one frame, then hold the circuit until the source closes. Both of the target's connections
    // answer STOP: the relay may pick either.
    auto echo = [](StreamPtr s, multiformats::PeerId, std::optional<relay_proto::Limit>) -> awaitable<void> {
      auto data = co_await s->read_frame(4096);
      if (data) {
        const BytesView view(*data);
        co_await s->write_frame(view);
      }
      co_await s->read_to_end(1 << 16);
    };
    services::StopListener stop(target, echo);
    services::StopListener stop_again(target_again, echo);
    auto tc = co_await target.dial(addr_);
    auto tc2 = co_await target_again.dial(addr_);
    EXPECT_TRUE(tc && tc2);
    if (!tc || !tc2) co_return;
    {
      auto pred = [](const nlohmann::json& j) {
      return j["connected_peers"] == 1 && j["connections"] == 2;
    };
      const bool ok = co_await wait_metrics(metrics_, pred);
      EXPECT_TRUE(ok) << read_json(metrics_).dump();
    }

    auto res = co_await services::relay_reserve(*tc);
    EXPECT_TRUE(res && res->status == Status::OK);
    {
      auto pred = [](const nlohmann::json& j) {
      return j["relay_reservations"] == 1 && j["reservations_accepted"] == 1;
    };
      const bool ok = co_await wait_metrics(metrics_, pred);
      EXPECT_TRUE(ok) << read_json(metrics_).dump();
    }

    auto sc = co_await source.dial(addr_);
    EXPECT_TRUE(sc);
    if (!sc) co_return;
    auto circuit = co_await services::relay_connect(*sc, target.peer_id());
    EXPECT_TRUE(circuit && circuit->status.status == Status::OK)
        << (circuit ? std::string(circuit->status.status ? relay_proto::status_name(*circuit->status.status) : "no status") : circuit.error().message());
    if (!circuit || !circuit->stream) co_return;
    {
      auto pred = [](const nlohmann::json& j) {
      return j["connected_peers"] == 2 && j["relay_circuits"] == 1 && j["circuits_accepted"] == 1;
    };
      const bool ok = co_await wait_metrics(metrics_, pred);
      EXPECT_TRUE(ok) << read_json(metrics_).dump();
    }

    // Prometheus shows the same picture.
    const std::string text = scrape(prometheus_port_);
    EXPECT_NE(text.find("HTTP/1.1 200"), std::string::npos) << text;
    EXPECT_NE(text.find("text/plain; version=0.0.4"), std::string::npos);
    EXPECT_EQ(sample(text, "chiral_relay_connected_peers"), 2) << text;
    EXPECT_EQ(sample(text, "chiral_relay_connections"), 3) << text;
    EXPECT_EQ(sample(text, "chiral_relay_reservations"), 1) << text;
    EXPECT_EQ(sample(text, "chiral_relay_circuits"), 1) << text;

    const Bytes payload(1000, 0x42);
    const BytesView payload_view(payload);
    const auto write_ec = co_await circuit->stream->write_frame(payload_view);
    EXPECT_FALSE(write_ec);
    auto echoed = co_await circuit->stream->read_frame(4096);
    EXPECT_TRUE(echoed && echoed->size() == payload.size());
    circuit->stream->close_write();
    {
      auto pred = [](const nlohmann::json& j) {
      return j["relay_circuits"] == 0 && j["bytes_relayed"]["src_to_dst"] >= 1000 &&
             j["bytes_relayed"]["dst_to_src"] >= 1000;
    };
      const bool ok = co_await wait_metrics(metrics_, pred);
      EXPECT_TRUE(ok) << read_json(metrics_).dump();
    }

    // The finished circuit is in the histograms.
    const std::string after = scrape(prometheus_port_);
    EXPECT_EQ(sample(after, "chiral_relay_circuit_duration_seconds_count"), 1) << after;
    EXPECT_EQ(sample(after, "chiral_relay_circuit_bytes_count"), 1) << after;
    EXPECT_GE(sample(after, "chiral_relay_circuit_bytes_sum"), 2000) << after;

    // A CONNECT to a peer without a reservation is counted by reason.
    auto refused = co_await services::relay_connect(*sc, source.peer_id());
    EXPECT_TRUE(refused && refused->status.status != Status::OK);
    {
      auto pred = [](const nlohmann::json& j) {
      return j["circuits_refused"].is_object() && !j["circuits_refused"].empty();
    };
      const bool ok = co_await wait_metrics(metrics_, pred);
      EXPECT_TRUE(ok) << read_json(metrics_).dump();
    }

    // Disconnects: the reservation ends with the target's last connection.
    (*tc2)->close("bye");
    {
      auto pred = [](const nlohmann::json& j) {
      return j["connected_peers"] == 2 && j["connections"] == 2 && j["relay_reservations"] == 1;
    };
      const bool ok = co_await wait_metrics(metrics_, pred);
      EXPECT_TRUE(ok) << read_json(metrics_).dump();
    }
    (*tc)->close("bye");
    (*sc)->close("bye");
    {
      auto pred = [](const nlohmann::json& j) {
      return j["connected_peers"] == 0 && j["connections"] == 0 && j["relay_reservations"] == 0;
    };
      const bool ok = co_await wait_metrics(metrics_, pred);
      EXPECT_TRUE(ok) << read_json(metrics_).dump();
    }
  });
}

TEST_F(MetricsDaemon, ReaderNeverSeesATornFileWhileEventsHappen) {
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, torn{0};
  std::thread reader([&] {
    while (!done) {
      std::ifstream in(metrics_);
      std::stringstream ss;
      ss << in.rdbuf();
      const auto j = nlohmann::json::parse(ss.str(), nullptr, false);
      ++reads;
      if (j.is_discarded() || !j.contains("connected_peers")) ++torn;
    }
  });
  run([&](asio::io_context& io) -> awaitable<void> {
    for (int i = 0; i < 20; ++i) {
      Host h(io, crypto::Ed25519PrivateKey::generate(), quiet());
      auto c = co_await h.dial(addr_);
      EXPECT_TRUE(c);
      if (!c) co_return;
      auto r = co_await services::relay_reserve(*c);
      EXPECT_TRUE(r && r->status == Status::OK);
      (*c)->close("bye");
    }
    {
      auto pred = [](const nlohmann::json& j) {
      return j["reservations_accepted"] == 20 && j["connected_peers"] == 0;
    };
      const bool ok = co_await wait_metrics(metrics_, pred);
      EXPECT_TRUE(ok) << read_json(metrics_).dump();
    }
  });
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 20);
}

TEST_F(MetricsDaemon, HandshakeFailuresAreCountedByStage) {
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(daemon_->port());
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    const std::string garbage = "GET / HTTP/1.1\r\n\r\n";
    ::send(fd, garbage.data(), garbage.size(), MSG_NOSIGNAL);
    char buf[256];
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
    }
    ::close(fd);
  }
  run([&](asio::io_context&) -> awaitable<void> {
    auto pred = [](const nlohmann::json& j) {
      return j["handshake_failures"].is_object() && j["handshake_failures"].value("security_negotiation", 0) == 1;
    };
    const bool ok = co_await wait_metrics(metrics_, pred, std::chrono::seconds(10));
    EXPECT_TRUE(ok) << read_json(metrics_).dump();
  });
  const std::string text = scrape(prometheus_port_);
  EXPECT_NE(text.find("chiral_relay_handshake_failures_total{stage=\"security_negotiation\"} 1\n"), std::string::npos)
      << text;
}

TEST_F(MetricsDaemon, RefreshedWithoutEvents) {
  const auto first = read_json(metrics_);
  ASSERT_FALSE(first.is_discarded());
  std::this_thread::sleep_for(std::chrono::milliseconds(6500));
  const auto later = read_json(metrics_);
  ASSERT_FALSE(later.is_discarded());
  EXPECT_NE(first["updated_at"], later["updated_at"]);
  EXPECT_GT(later["uptime_seconds"].get<std::uint64_t>(), first["uptime_seconds"].get<std::uint64_t>());
}

TEST_F(MetricsDaemon, PrometheusExpositionParses) {
  const std::string response = scrape(prometheus_port_);
  const auto body_at = response.find("\r\n\r\n");
  ASSERT_NE(body_at, std::string::npos) << response;
  const auto file = dir_.path / "exposition.txt";
  std::ofstream(file) << response.substr(body_at + 4);
  if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  const std::string cmd = "/usr/bin/python3 " CHIRAL_SOURCE_DIR "/tests/scripts/check_exposition.py " + file.string();
  EXPECT_EQ(std::system(cmd.c_str()), 0) << response;
}

TEST_F(MetricsDaemon, SigtermLeavesFinalMetricsAndNoPidFile) {
  ASSERT_TRUE(fs::exists(pid_file_));
  const auto before = read_json(metrics_);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(daemon_->stop(), 0) << daemon_->log();
  EXPECT_FALSE(fs::exists(pid_file_));
  const auto after = read_json(metrics_);
  ASSERT_FALSE(after.is_discarded());
  EXPECT_NE(before["updated_at"], after["updated_at"]);  // the final write at shutdown
  EXPECT_EQ(after["connected_peers"], 0);
  // Only the metrics file, identity, exposition leftovers: no temp files.
  for (const auto& e : fs::directory_iterator(dir_.path)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }
}

TEST_F(MetricsDaemon, SystemdWatchdogAndStopping) {
  // WATCHDOG_USEC=1 s: pings every 0.5 s.
  EXPECT_EQ(systemd_.wait_for("WATCHDOG=1", std::chrono::seconds(2)), "WATCHDOG=1");
  EXPECT_EQ(systemd_.wait_for("WATCHDOG=1", std::chrono::seconds(2)), "WATCHDOG=1");
  EXPECT_EQ(daemon_->stop(), 0) << daemon_->log();
  EXPECT_EQ(systemd_.wait_for("STOPPING=1", std::chrono::seconds(2)), "STOPPING=1");
}

TEST_F(MetricsDaemon, SecondInstanceRefusesTheLivePidFile) {
  DaemonProcess second(dir_.path, {"--listen", "/ip4/127.0.0.1/tcp/0", "--pid-file", pid_file_.string(),
                                   "--identity-path", (dir_.path / "other.key").string()});
  EXPECT_FALSE(second.started());
  EXPECT_NE(second.wait_for_log("relay already running with pid \\d+ \\(pid file .*relay.pid\\)"), "") << second.log();
  EXPECT_NE(second.stop(), 0);
  EXPECT_TRUE(fs::exists(pid_file_));  // the first relay's file is untouched
}
