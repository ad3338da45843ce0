// Chaos (issue 7): the daemon is killed with SIGKILL at random moments, 200 times, while a reader parses
// metrics.json without pause and a client keeps reserving. The identity file never changes (same bytes,
// same peer id), metrics.json always parses, no restart fails (stale pid file, port, identity), and no
// temp files pile up.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <regex>

#include "crypto/sha256.hpp"
#include "daemon_process.hpp"
#include "flood_util.hpp"
#include "services/relay_client.hpp"

using namespace chiral;
using namespace chiral::testing;
using namespace std::chrono_literals;

namespace {

std::string file_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string digest(const fs::path& p) {
  const auto b = file_bytes(p);
  const auto d = crypto::sha256(BytesView(reinterpret_cast<const std::uint8_t*>(b.data()), b.size()));
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

// Starts the daemon with stdout+stderr in `log`; returns its pid.
pid_t spawn_daemon(const std::vector<std::string>& args, const fs::path& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> argv;
    std::string bin = CHIRAL_RELAY_BINARY;
    argv.push_back(bin.data());
    for (auto& a : const_cast<std::vector<std::string>&>(args)) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

TEST(Chaos, KillNineAtRandomMomentsKeepsIdentityMetricsAndRestarts) {
  ScratchDir dir("chaos");
  const auto identity = dir.path() / "identity.key";
  const auto metrics = dir.path() / "metrics.json";
  const auto pid_file = dir.path() / "relay.pid";
  const auto log = dir.path() / "run.log";
  std::string peer_id;
  std::uint16_t port = 0;
  {
    DaemonProcess first(dir.path(), {"--listen", "/ip4/127.0.0.1/tcp/0"});
    ASSERT_TRUE(first.started()) << first.log();
    peer_id = first.peer_id();
    port = first.port();
    ASSERT_EQ(first.stop(), 0);
  }
  const std::string hash = digest(identity);
  const std::string addr = "/ip4/127.0.0.1/tcp/" + std::to_string(port);
  const std::vector<std::string> args{"--listen", addr, "--identity-path", identity.string(), "--metrics-file",
                                      metrics.string(), "--pid-file", pid_file.string(), "--handshake-timeout", "2"};

  std::atomic<bool> stop{false};
  std::atomic<int> parses{0}, bad_parses{0};
  std::string bad_sample;
  std::thread reader([&] {
    while (!stop) {
      std::this_thread::sleep_for(1ms);  // (a busy loop would starve the daemon on 2 cores)
      std::ifstream f(metrics);
      if (!f) continue;  // not written yet
      std::stringstream ss;
      ss << f.rdbuf();
      auto j = nlohmann::json::parse(ss.str(), nullptr, false);
      if (j.is_discarded() || !j.is_object() || j.value("peer_id", "") != peer_id) {
        if (bad_parses++ == 0) bad_sample = ss.str().substr(0, 300);
      } else {
        ++parses;
      }
    }
  });
  std::atomic<int> reserved{0}, attempts{0};
  std::thread client([&] {
    net::asio::io_context io;
    net::HostConfig hc;
    hc.connection.keepalive_interval = net::Clock::duration::zero();
    hc.dial_timeout = 1s;
    hc.handshake_timeout = 1s;
    net::Host host(io, crypto::Ed25519PrivateKey::generate(), hc);
    const auto target = *multiformats::Multiaddr::from_string(addr + "/p2p/" + peer_id);
    net::asio::co_spawn(io, [&]() -> net::awaitable<void> {
      net::asio::steady_timer pause(io);
      while (!stop) {
        ++attempts;
        auto conn = co_await host.dial(target);
        if (conn) {
          auto r = co_await services::relay_reserve(*conn, 1s);
          if (r && r->status == relay_proto::Status::OK) ++reserved;
          (*conn)->close("chaos client");
        }
        pause.expires_after(10ms);
        co_await pause.async_wait(net::use_nothrow);
      }
      io.stop();
    }, net::asio::detached);
    io.run();
  });

  std::mt19937 rng(std::random_device{}());
  static const std::regex id_re(R"(peer id (\w+))");
  int early_exits = 0, reached_listening = 0;
  std::string first_problem;
  const auto start = SteadyClock::now();
  for (int i = 0; i < 200; ++i) {
    const pid_t pid = spawn_daemon(args, log);
    ASSERT_GT(pid, 0);
    if (i % 20 == 19) {
      // Every 20th run must get all the way up before it is killed.
      const bool up = eventually([&] { return file_bytes(log).find("listening on") != std::string::npos; }, 10s);
      EXPECT_TRUE(up) << file_bytes(log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 151));
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      // It exited by itself: a restart that failed (pid file, port, identity...).
      if (early_exits++ == 0) first_problem = file_bytes(log);
    } else {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
    const std::string out = file_bytes(log);
    std::smatch m;
    if (std::regex_search(out, m, id_re)) {
      EXPECT_EQ(m[1].str(), peer_id) << out;
    }
    if (out.find("listening on") != std::string::npos) ++reached_listening;
    ASSERT_EQ(digest(identity), hash) << "identity file changed after kill " << i;
  }
  const double chaos_s = std::chrono::duration<double>(SteadyClock::now() - start).count();

  // A clean start after all that: same identity, serves peers, writes parseable metrics, exits 0.
  {
    DaemonProcess d(dir.path(), args);
    ASSERT_TRUE(d.started()) << d.log();
    EXPECT_EQ(d.peer_id(), peer_id);
    EXPECT_TRUE(honest_peer_served(d.multiaddr()));
    stop = true;
    client.join();
    reader.join();
    EXPECT_EQ(d.stop(), 0) << d.log();
  }
  std::size_t temp_files = 0;
  std::string temp_names;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    if (e.path().filename().string().find(".tmp") == std::string::npos) continue;
    ++temp_files;
    temp_names += e.path().filename().string() + " ";
  }
  std::cout << "[ chaos    ] 200 kills in " << chaos_s << " s: " << reached_listening << " reached listening, "
            << parses << " metrics parses, " << reserved << "/" << attempts << " reservations\n";
  EXPECT_EQ(early_exits, 0) << first_problem;
  EXPECT_EQ(bad_parses, 0) << bad_sample;
  EXPECT_GT(parses, 0);
  EXPECT_GT(reserved, 0);
  EXPECT_GE(reached_listening, 10);
  EXPECT_EQ(digest(identity), hash);
  EXPECT_EQ(temp_files, 0u) << "temp files left behind by killed daemons pile up: " << temp_names;
  EXPECT_FALSE(fs::exists(pid_file));  // the clean stop removed it
}

}  // namespace
