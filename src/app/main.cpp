// chiral-relay: start-up and shutdown. Configuration errors are exceptions caught here; the data plane
// never throws.
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

#include "app/cli.hpp"
#include "app/acl_file.hpp"
#include "app/identity_file.hpp"
#include "app/version.hpp"
#include "net/host.hpp"
#include "services/identify_service.hpp"
#include "services/peer_store.hpp"
#include "services/ping_service.hpp"
#include "services/relay_service.hpp"

using namespace chiral;

namespace {

int run(const app::Config& cfg) {
  auto identity = app::load_or_create_identity(cfg.identity_path);
  const auto peer_id = multiformats::PeerId::from_public_key(identity.key.public_key());
  spdlog::info("chiral-relay {} starting; peer id {} ({} identity {})", app::kVersion, peer_id.to_base58(),
               identity.created ? "created new" : "loaded", cfg.identity_path.string());

  net::HostConfig hc;
  hc.handshake_timeout = cfg.handshake_timeout;
  hc.connection.keepalive_interval = cfg.keepalive_interval;
  hc.connection.keepalive_timeout = cfg.keepalive_timeout;
  for (const auto& a : cfg.external_addresses) {
    auto m = multiformats::Multiaddr::from_string(a);
    if (!m) throw app::StartupError("invalid --external-address " + a);
    hc.external_addrs.push_back(m->without_p2p());
  }

  net::asio::io_context io(1);
  net::Host host(io, identity.key, hc);
  services::PeerStore peers;
  services::IdentifyService identify(host, peers, {cfg.agent_version, cfg.protocol_version});
  services::PingService ping(host);
  std::optional<relay::Acl> acl;
  if (!cfg.acl_file.empty()) acl = app::load_acl_file(cfg.acl_file);
  services::RelayService relay(host, services::RelayConfig{cfg.relay}, std::move(acl));
  std::optional<services::AuthService> auth;
  if (!cfg.auth_tokens_file.empty()) {
    std::vector<std::string> tokens;
    try {
      tokens = services::load_auth_tokens(cfg.auth_tokens_file);
    } catch (const std::runtime_error& e) {
      throw app::StartupError(e.what());
    }
    auth.emplace(host, std::move(tokens));
    relay.set_auth(&*auth);
    spdlog::info("reservations require /chiral/relay-auth/1.0.0 ({} token(s) loaded)", auth->token_count());
  }

  std::vector<std::string> listen = cfg.listen;
  if (listen.empty()) listen.push_back("/ip4/0.0.0.0/tcp/" + std::to_string(cfg.port));
  for (const auto& l : listen) {
    auto m = multiformats::Multiaddr::from_string(l);
    if (!m) throw app::StartupError("invalid --listen " + l);
    if (auto ec = host.listen(*m)) throw app::StartupError("cannot listen on " + l + ": " + ec.message());
  }
  for (const auto& a : host.listen_addrs()) {
    spdlog::info("listening on {}", a.with_p2p(peer_id).to_string());
  }

  const auto& rl = cfg.relay;
  spdlog::info("relay limits: {} reservations ({} per IP, ttl {} s), {} circuits ({} per peer), circuit limit "
               "{} s and {} bytes per direction (0 = unlimited)",
               rl.max_reservations, rl.max_reservations_per_ip, rl.reservation_ttl.count(), rl.max_circuits,
               rl.max_circuits_per_peer, rl.circuit_duration.count(), rl.circuit_data_bytes);
  (void)relay.reservation_addrs();  // warns now if reservations would carry only private addresses

  net::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    relay.stop();
    host.stop();
    // Give GoAway frames a moment to leave, then stop the loop.
    auto timer = std::make_shared<net::asio::steady_timer>(io, std::chrono::milliseconds(300));
    timer->async_wait([&io, timer](const boost::system::error_code&) { io.stop(); });
  });
  std::signal(SIGPIPE, SIG_IGN);
  io.run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = app::parse_cli(argc, argv);
  if (parsed.exit_code) return *parsed.exit_code;
  const auto& cfg = parsed.config;
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  spdlog::set_level(cfg.verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::flush_on(spdlog::level::info);
  try {
    return run(cfg);
  } catch (const app::StartupError& e) {
    spdlog::error("{}", e.what());
    return 1;
  } catch (const std::exception& e) {
    spdlog::error("fatal: {}", e.what());
    return 1;
  }
}
