// chiral-dial: dials one libp2p peer over TCP with our stack, runs identify and ping, prints one JSON line.
// A diagnostic for operators ("is this relay reachable and what does it say?") and the interop tests'
// outbound direction.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "app/version.hpp"
#include "net/host.hpp"
#include "services/identify_service.hpp"
#include "services/ping_service.hpp"

using namespace chiral;
using namespace chiral::net;

namespace {

std::string addr_text(const Bytes& b) {
  auto m = multiformats::Multiaddr::from_bytes(b);
  return m ? m->to_string() : "<invalid:" + to_hex(b) + ">";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"chiral-dial: dial a libp2p peer, identify it and ping it", "chiral-dial"};
  std::string target;
  std::size_t pings = 3;
  double timeout_s = 10;
  bool verbose = false;
  app.add_option("multiaddr", target, "Peer address, e.g. /ip4/1.2.3.4/tcp/4001/p2p/12D3KooW...")->required();
  app.add_option("--pings", pings, "Number of pings")->capture_default_str();
  app.add_option("--timeout", timeout_s, "Seconds for the whole exchange")->capture_default_str();
  app.add_flag("--verbose,-v", verbose, "Debug logging on stderr");
  CLI11_PARSE(app, argc, argv);
  auto logger = spdlog::stderr_color_mt("dial");
  spdlog::set_default_logger(logger);
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::warn);

  auto addr = multiformats::Multiaddr::from_string(target);
  if (!addr) {
    std::cerr << "chiral-dial: invalid multiaddr: " << addr.error().message() << "\n";
    return 2;
  }
  asio::io_context io(1);
  HostConfig hc;
  hc.connection.keepalive_interval = Clock::duration::zero();
  Host host(io, crypto::Ed25519PrivateKey::generate(), hc);
  services::PeerStore peers;
  services::IdentifyService identify(host, peers,
                                     {std::string("chiral-dial/") + app::kVersion, "/chiral/relay/1.0.0", false});
  services::PingService ping(host);

  int rc = 1;
  const auto timeout = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
  asio::co_spawn(io, [&]() -> awaitable<void> {
    Watchdog wd(io.get_executor(), timeout, [&] {
      std::cerr << "chiral-dial: timed out\n";
      io.stop();
    });
    auto conn = co_await host.dial(*addr);
    if (!conn) {
      std::cerr << "chiral-dial: dial failed: " << conn.error().message() << "\n";
      co_return;
    }
    auto info = co_await identify.identify(*conn);
    if (!info) {
      std::cerr << "chiral-dial: identify failed: " << info.error().message() << "\n";
      co_return;
    }
    nlohmann::json out;
    out["peer_id"] = (*conn)->remote_peer().to_base58();
    out["local_peer_id"] = host.peer_id().to_base58();
    out["agent_version"] = info->agent_version;
    out["protocol_version"] = info->protocol_version;
    out["protocols"] = info->protocols;
    out["listen_addrs"] = nlohmann::json::array();
    for (const auto& a : info->listen_addrs) out["listen_addrs"].push_back(addr_text(a));
    out["observed_addr"] = info->observed_addr.empty() ? "" : addr_text(info->observed_addr);
    out["muxer"] = (*conn)->info().muxer;
    auto rtts = co_await ping.ping(*conn, pings, timeout);
    if (!rtts) {
      std::cerr << "chiral-dial: ping failed: " << rtts.error().message() << "\n";
      out["pings_ok"] = 0;
    } else {
      out["pings_ok"] = rtts->size();
      out["rtt_ms"] = nlohmann::json::array();
      for (auto d : *rtts) out["rtt_ms"].push_back(std::chrono::duration<double, std::milli>(d).count());
    }
    std::cout << out.dump() << std::endl;
    rc = rtts && rtts->size() == pings ? 0 : 1;
    (*conn)->close("done", 0);
    host.stop();
    asio::steady_timer t(io, std::chrono::milliseconds(50));
    co_await t.async_wait(use_nothrow);
    io.stop();
  }, asio::detached);
  io.run();
  return rc;
}
