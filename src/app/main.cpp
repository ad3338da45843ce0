// chiral-relay: start-up and shutdown. Configuration errors are exceptions caught here; the data plane
// never throws.
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

#include "app/cli.hpp"
#include "app/acl_file.hpp"
#include "app/identity_file.hpp"
#include "app/pid_file.hpp"
#include "app/sd_notify.hpp"
#include "metrics/json_writer.hpp"
#include "metrics/prometheus_server.hpp"
#include "metrics/relay_metrics.hpp"
#include "app/version.hpp"
#include "net/host.hpp"
#include "services/autonat_service.hpp"
#include "services/identify_service.hpp"
#include "services/peer_store.hpp"
#include "services/ping_service.hpp"
#include "services/relay_service.hpp"

using namespace chiral;

namespace {

int run(const app::Config& cfg) {
  if (!cfg.pid_file.empty()) app::PidFile::check_not_running(cfg.pid_file);
  const auto started_at = std::chrono::system_clock::now();
  const auto started_steady = std::chrono::steady_clock::now();
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

  if (!cfg.tls_cert.empty()) {
    std::string why;
    hc.tls_server = net::make_tls_server_context(cfg.tls_cert.string(), cfg.tls_key.string(), &why);
    if (!hc.tls_server) throw app::StartupError(why);
  }

  net::asio::io_context io(1);
  // Signal sets exist from here on: a SIGTERM during start-up is queued, not fatal (pid file kept clean).
  net::asio::signal_set signals(io, SIGINT, SIGTERM);
  net::asio::signal_set hup(io, SIGHUP);
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

  std::optional<services::AutonatService> autonat;
  if (cfg.autonat) {
    services::AutonatConfig ac;
    ac.allow_private = cfg.autonat_allow_private;
    autonat.emplace(host, ac);
    spdlog::info("autonat: serving v2 and v1{}", cfg.autonat_allow_private ? " (private addresses allowed)" : "");
  }

  std::vector<std::string> listen = cfg.listen;
  if (listen.empty()) listen.push_back("/ip4/0.0.0.0/tcp/" + std::to_string(cfg.port));
  if (cfg.ws_port) listen.push_back("/ip4/0.0.0.0/tcp/" + std::to_string(*cfg.ws_port) + "/ws");
  for (const auto& l : listen) {
    auto m = multiformats::Multiaddr::from_string(l);
    if (!m) throw app::StartupError("invalid --listen " + l);
    if (auto ec = host.listen(*m)) throw app::StartupError("cannot listen on " + l + ": " + ec.message());
  }
  for (const auto& a : host.listen_addrs()) {
    spdlog::info("listening on {}", a.with_p2p(peer_id).to_string());
  }
  app::PidFile pid_file;
  if (!cfg.pid_file.empty()) pid_file = app::PidFile::acquire(cfg.pid_file);

  // Metrics: one gather function feeds the JSON file and the Prometheus endpoint.
  auto gather = [&]() {
    metrics::MetricsInputs in;
    in.peer_id = peer_id.to_base58();
    in.version = app::kVersion;
    for (const auto& a : host.listen_addrs()) in.listen_addresses.push_back(a.with_p2p(peer_id).to_string());
    in.connected_peers = host.connected_peer_count();
    in.connections = host.connection_count();
    in.reservations = relay.policy().reservations().size();
    in.circuits = relay.policy().circuits().size();
    in.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_steady).count();
    in.started_at = metrics::rfc3339(started_at);
    metrics::copy_relay_counters(relay.policy().counters(), in);
    if (autonat) {
      const auto& ac = autonat->counters();
      in.autonat["v2_requests"] = ac.v2.requests;
      in.autonat["v1_requests"] = ac.v1.requests;
      for (const auto& [k, v] : ac.v2.dial_backs) in.autonat["v2_dial_back_" + k] = v;
      for (const auto& [k, v] : ac.v1.dial_backs) in.autonat["v1_dial_back_" + k] = v;
      for (const auto& [k, v] : ac.v2.refusals) in.autonat["v2_refused_" + k] = v;
      for (const auto& [k, v] : ac.v1.refusals) in.autonat["v1_refused_" + k] = v;
      in.autonat["dial_data_requests"] = ac.dial_data_requests;
      in.autonat["dial_data_bytes"] = ac.dial_data_bytes;
    }
    return in;
  };
  std::optional<metrics::MetricsFileWriter> metrics_file;
  if (!cfg.metrics_file.empty()) {
    metrics_file.emplace(io, cfg.metrics_file, [&gather] { return metrics::relay_metrics_json(gather()); });
    metrics_file->start();
    host.add_observer([&metrics_file](const net::ConnectionPtr&, bool) { metrics_file->notify(); });
    relay.set_on_change([&metrics_file] { metrics_file->notify(); });
  }
  metrics::Registry registry;
  metrics::register_relay_metrics(registry, gather);
  std::optional<metrics::PrometheusServer> prometheus;
  if (!cfg.prometheus_listen.empty()) {
    auto ep = metrics::parse_listen_endpoint(cfg.prometheus_listen);
    prometheus.emplace(io, registry);
    if (auto ec = prometheus->listen(*ep)) {
      throw app::StartupError("cannot listen on --prometheus-listen " + cfg.prometheus_listen + ": " + ec.message());
    }
    spdlog::info("prometheus metrics on http://{}:{}/metrics", prometheus->local_endpoint().address().to_string(),
                 prometheus->local_endpoint().port());
  }

  const auto& rl = cfg.relay;
  spdlog::info("relay limits: {} reservations ({} per IP, ttl {} s), {} circuits ({} per peer), circuit limit "
               "{} s and {} bytes per direction (0 = unlimited)",
               rl.max_reservations, rl.max_reservations_per_ip, rl.reservation_ttl.count(), rl.max_circuits,
               rl.max_circuits_per_peer, rl.circuit_duration.count(), rl.circuit_data_bytes);
  (void)relay.reservation_addrs();  // warns now if reservations would carry only private addresses

  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    app::sd_notify("STOPPING=1");
    relay.stop();
    if (autonat) autonat->stop();
    host.stop();  // GoAway to every peer
    // Give GoAway frames a moment to leave, write the final metrics, then stop the loop.
    auto timer = std::make_shared<net::asio::steady_timer>(io, std::chrono::milliseconds(300));
    timer->async_wait([&, timer](const boost::system::error_code&) {
      if (metrics_file) {
        metrics_file->write_now();
        metrics_file->stop();
      }
      if (prometheus) prometheus->stop();
      io.stop();
    });
  });
  // SIGHUP: re-read the ACL and auth token files without dropping connections.
  std::function<void(const boost::system::error_code&, int)> on_hup = [&](const boost::system::error_code& ec, int) {
    if (ec) return;
    try {
      std::optional<relay::Acl> new_acl;
      if (!cfg.acl_file.empty()) new_acl = app::load_acl_file(cfg.acl_file);
      const std::size_t rules = new_acl ? new_acl->rule_count() : 0;
      relay.reload(cfg.relay, std::move(new_acl));
      std::string tokens_note = "unchanged (no --auth-tokens-file)";
      if (auth) {
        auth->set_tokens(services::load_auth_tokens(cfg.auth_tokens_file));
        tokens_note = std::to_string(auth->token_count()) + " token(s)";
      }
      spdlog::info("SIGHUP: reloaded acl ({} rule(s)) and auth tokens: {}", rules, tokens_note);
    } catch (const std::exception& e) {
      spdlog::error("SIGHUP: reload failed, keeping the previous settings: {}", e.what());
    }
    hup.async_wait(on_hup);
  };
  hup.async_wait(on_hup);
  // systemd: READY once listening; WATCHDOG pings at half the configured interval.
  app::sd_notify("READY=1");
  net::asio::steady_timer watchdog(io);
  std::function<void(const boost::system::error_code&)> on_watchdog;
  if (auto interval = app::watchdog_interval()) {
    on_watchdog = [&, half = *interval / 2](const boost::system::error_code& ec) {
      if (ec) return;
      app::sd_notify("WATCHDOG=1");
      watchdog.expires_after(half);
      watchdog.async_wait(on_watchdog);
    };
    watchdog.expires_after(std::chrono::milliseconds(0));
    watchdog.async_wait(on_watchdog);
  }
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
