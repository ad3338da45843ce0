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
#include "services/relay_client.hpp"

#include <atomic>
#include <thread>

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


namespace {

int run_handshake(const multiformats::Multiaddr& addr, int pid, std::size_t connections, std::size_t concurrency) {
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
        auto c = co_await host.dial(addr);
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
  out["mode"] = "handshake";
  out["connections"] = held.size();
  out["failed"] = failed;
  out["concurrency"] = concurrency;
  out["seconds"] = secs;
  out["handshakes_per_second"] = double(held.size()) / secs;
  out["relay_cpu_ms_per_handshake"] =
      1000.0 * (cpu_after_handshakes - cpu_before) / double(std::max<std::size_t>(1, held.size()));
  out["relay_rss_kib_before"] = rss_before;
  out["relay_rss_kib_after"] = rss_after;
  out["relay_rss_kib_per_connection"] = double(rss_after - rss_before) / double(std::max<std::size_t>(1, held.size()));
  std::cout << out.dump() << std::endl;
  for (auto& c : held) c->close("bench done");
  io.run_for(std::chrono::milliseconds(300));
  return failed == 0 ? 0 : 1;
}

// `circuits` parallel circuits from a source to a reserved target through the relay, each carrying
// `bytes` one way. Source and target run on their own threads so the client side is not the bottleneck.
int run_relay(const multiformats::Multiaddr& addr, int pid, std::uint64_t bytes, std::size_t circuits) {
  HostConfig hc;
  hc.connection.keepalive_interval = Clock::duration::zero();
  asio::io_context io_target(1), io_source(1);
  Host target(io_target, crypto::Ed25519PrivateKey::generate(), hc);
  Host source(io_source, crypto::Ed25519PrivateKey::generate(), hc);
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::size_t> finished{0};
  std::atomic<bool> reserved{false}, failed{false};
  services::StopListener sink(target, [&](StreamPtr s, multiformats::PeerId, std::optional<relay_proto::Limit>) -> awaitable<void> {
    std::vector<std::uint8_t> buf(256 * 1024);
    for (;;) {
      auto n = co_await s->read_some(buf);
      if (!n) break;
      received += *n;
    }
    s->close_write();
    ++finished;
  });
  asio::co_spawn(io_target, [&]() -> awaitable<void> {
    auto c = co_await target.dial(addr);
    if (!c) {
      failed = true;
      co_return;
    }
    auto r = co_await services::relay_reserve(*c);
    if (!r || r->status != relay_proto::Status::OK) failed = true;
    reserved = true;
  }, asio::detached);
  auto keep_target = asio::make_work_guard(io_target);
  std::thread target_thread([&] { io_target.run(); });
  while (!reserved && !failed) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (failed) {
    std::cerr << "relay bench: reservation failed\n";
    io_target.stop();
    target_thread.join();
    return 1;
  }
  const double cpu_before = cpu_seconds(pid);
  const long rss_before = rss_kib(pid);
  long rss_peak = rss_before;
  const auto t0 = Clock::now();
  asio::co_spawn(io_source, [&]() -> awaitable<void> {
    auto c = co_await source.dial(addr);
    if (!c) {
      failed = true;
      co_return;
    }
    std::size_t done = 0;
    for (std::size_t i = 0; i < circuits; ++i) {
      asio::co_spawn(io_source, [&, conn = *c]() -> awaitable<void> {
        auto r = co_await services::relay_connect(conn, target.peer_id());
        if (!r || !r->stream) {
          failed = true;
        } else {
          std::vector<std::uint8_t> chunk(256 * 1024, 0xab);
          std::uint64_t left = bytes;
          while (left > 0) {
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size()));
            if (co_await r->stream->write({chunk.data(), n})) {
              failed = true;
              break;
            }
            left -= n;
          }
          r->stream->close_write();
        }
        if (++done == circuits) co_return;
      }, asio::detached);
    }
  }, asio::detached);
  auto keep_source = asio::make_work_guard(io_source);
  std::thread source_thread([&] { io_source.run(); });
  while (finished < circuits && !failed) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    rss_peak = std::max(rss_peak, rss_kib(pid));
  }
  const auto t1 = Clock::now();
  const double cpu = cpu_seconds(pid) - cpu_before;
  io_source.stop();
  io_target.stop();
  source_thread.join();
  target_thread.join();
  const double secs = std::chrono::duration<double>(t1 - t0).count();
  const double gib = double(received.load()) / double(1ull << 30);
  nlohmann::json out;
  out["mode"] = "relay";
  out["circuits"] = circuits;
  out["bytes"] = received.load();
  out["seconds"] = secs;
  out["mib_per_second"] = double(received.load()) / double(1 << 20) / secs;
  out["gbit_per_second"] = double(received.load()) * 8 / 1e9 / secs;
  out["relay_cpu_seconds"] = cpu;
  out["relay_cpu_seconds_per_gib"] = gib > 0 ? cpu / gib : 0;
  out["relay_rss_kib_before"] = rss_before;
  out["relay_rss_kib_peak"] = rss_peak;
  out["failed"] = failed.load();
  std::cout << out.dump() << std::endl;
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"chiral-bench: load generator for chiral-relay", "chiral-bench"};
  std::string target;
  int pid = 0;
  std::size_t connections = 1000, concurrency = 32, circuits = 1;
  std::uint64_t mib = 1024;
  app.add_option("--target", target, "Relay multiaddr with /p2p")->required();
  app.add_option("--pid", pid, "Relay process id (for RSS and CPU readings)")->required();
  auto* hs = app.add_subcommand("handshake", "Open and hold many connections");
  hs->add_option("--connections", connections, "Connections to open and hold")->capture_default_str();
  hs->add_option("--concurrency", concurrency, "Handshakes in flight")->capture_default_str();
  auto* rl = app.add_subcommand("relay", "Move data through circuits");
  rl->add_option("--circuits", circuits, "Parallel circuits")->capture_default_str();
  rl->add_option("--mib", mib, "MiB per circuit")->capture_default_str();
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  spdlog::set_default_logger(spdlog::stderr_color_mt("bench"));
  spdlog::set_level(spdlog::level::warn);
  auto addr = multiformats::Multiaddr::from_string(target);
  if (!addr) {
    std::cerr << "bad --target\n";
    return 2;
  }
  if (*hs) return run_handshake(*addr, pid, connections, concurrency);
  return run_relay(*addr, pid, mib << 20, circuits);
}
