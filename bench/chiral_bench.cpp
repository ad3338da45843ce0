// chiral-bench: load generator built on our own stack. `handshake` opens N connections to a relay with C
// in flight (full TCP + multistream + Noise + yamux upgrade, plus the relay's identify of us), reports
// handshakes per second, then holds them idle and reports the relay's RSS growth per connection.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>

#include "net/host.hpp"
#include "services/identify_service.hpp"
#include "services/ping_service.hpp"

using namespace chiral;
using namespace chiral::net;

namespace {

// Resident set size of `pid` in KiB (VmRSS from /proc/<pid>/status).
long rss_kib(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (f >> key) {
    if (key == "VmRSS:") {
      long v = 0;
      f >> v;
      return v;
    }
    f.ignore(1 << 12, '\n');
  }
  return -1;
}

// CPU seconds (user + system) used so far by `pid`.
double cpu_seconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(f, line);
  const auto close = line.rfind(')');
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return double(utime + stime) / double(::sysconf(_SC_CLK_TCK));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"chiral-bench: load generator for chiral-relay", "chiral-bench"};
  std::string target;
  int pid = 0;
  std::size_t connections = 1000, concurrency = 32;
  app.add_option("--target", target, "Relay multiaddr with /p2p")->required();
  app.add_option("--pid", pid, "Relay process id (for RSS and CPU readings)")->required();
  app.add_option("--connections", connections, "Connections to open and hold")->capture_default_str();
  app.add_option("--concurrency", concurrency, "Handshakes in flight")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  spdlog::set_default_logger(spdlog::stderr_color_mt("bench"));
  spdlog::set_level(spdlog::level::warn);

  auto addr = multiformats::Multiaddr::from_string(target);
  if (!addr) {
    std::cerr << "bad --target\n";
    return 2;
  }
  asio::io_context io(1);
  HostConfig hc;
  hc.connection.keepalive_interval = Clock::duration::zero();
  hc.handshake_timeout = std::chrono::seconds(30);
  Host host(io, crypto::Ed25519PrivateKey::generate(), hc);
  services::PeerStore peers;
  services::IdentifyService identify(host, peers, {"chiral-bench/0", "/chiral/relay/1.0.0", false});

  std::vector<ConnectionPtr> held;
  std::size_t started = 0, failed = 0;
  const long rss_before = rss_kib(pid);
  const double cpu_before = cpu_seconds(pid);
  const auto t0 = Clock::now();
  Clock::time_point t1;
  std::size_t running = concurrency;
  for (std::size_t w = 0; w < concurrency; ++w) {
    asio::co_spawn(io, [&]() -> awaitable<void> {
      while (started < connections) {
        ++started;
        auto c = co_await host.dial(*addr);
        if (c) {
          held.push_back(*c);
        } else {
          ++failed;
        }
      }
      if (--running == 0) {
        t1 = Clock::now();
        io.stop();
      }
    }, asio::detached);
  }
  io.run();
  io.restart();
  const double cpu_after_handshakes = cpu_seconds(pid);
  // Let the relay finish identifying us, then measure the idle footprint.
  io.run_for(std::chrono::milliseconds(1500));
  io.restart();
  const long rss_after = rss_kib(pid);
  const double secs = std::chrono::duration<double>(t1 - t0).count();
  nlohmann::json out;
  out["connections"] = held.size();
  out["failed"] = failed;
  out["concurrency"] = concurrency;
  out["seconds"] = secs;
  out["handshakes_per_second"] = double(held.size()) / secs;
  out["relay_cpu_ms_per_handshake"] = 1000.0 * (cpu_after_handshakes - cpu_before) / double(std::max<std::size_t>(1, held.size()));
  out["relay_rss_kib_before"] = rss_before;
  out["relay_rss_kib_after"] = rss_after;
  out["relay_rss_kib_per_connection"] = double(rss_after - rss_before) / double(std::max<std::size_t>(1, held.size()));
  std::cout << out.dump() << std::endl;
  for (auto& c : held) c->close("bench done");
  io.run_for(std::chrono::milliseconds(300));
  return failed == 0 ? 0 : 1;
}
