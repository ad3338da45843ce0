// chiral-relay: start-up and shutdown. Configuration errors are exceptions caught here; the data plane
// never throws.
#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <csignal>
#include <iostream>

#include "app/cli.hpp"
#include "app/acl_file.hpp"
#include "app/identity_file.hpp"
#include "app/log_format.hpp"
#include "app/reload.hpp"
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

// Every connection is a descriptor: raise the soft RLIMIT_NOFILE towards the hard one so that
// --max-connections, not EMFILE, is the limit that applies; warn when even the hard one is lower.
void raise_fd_limit(std::size_t max_connections) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  const rlim_t want = max_connections == 0 ? rl.rlim_max : static_cast<rlim_t>(max_connections) + 256;
  if (rl.rlim_cur < want && rl.rlim_cur < rl.rlim_max) {
    const rlim_t before = rl.rlim_cur;
    rl.rlim_cur = std::min(want, rl.rlim_max);
    if (::setrlimit(RLIMIT_NOFILE, &rl) == 0) {
      spdlog::info("raised the open file limit from {} to {}", before, rl.rlim_cur);
    }
  }
  if (max_connections != 0 && rl.rlim_cur < want) {
    spdlog::warn("open file limit {} is below --max-connections {} + 256: accept will back off on EMFILE "
                 "before the connection limit is reached (raise LimitNOFILE / ulimit -n)",
                 rl.rlim_cur, max_connections);
  }
}

void relay_limits_log(const relay::Limits& rl) {
  spdlog::info("relay limits: {} reservations ({} per IP, ttl {} s), {} circuits ({} per peer), circuit limit "
               "{} s and {} bytes per direction, {} requests/min per IP (0 = unlimited)",
               rl.max_reservations, rl.max_reservations_per_ip, rl.reservation_ttl.count(), rl.max_circuits,
               rl.max_circuits_per_peer, rl.circuit_duration.count(), rl.circuit_data_bytes,
               rl.requests_per_minute_per_ip);
}

int run(const app::Config& cfg, int argc, char** argv) {
  app::Config current = cfg;  // what SIGHUP compares against and updates
  if (!cfg.pid_file.empty()) app::PidFile::check_not_running(cfg.pid_file);
  const auto started_at = std::chrono::system_clock::now();
  const auto started_steady = std::chrono::steady_clock::now();
  auto identity = app::load_or_create_identity(cfg.identity_path);
  const auto peer_id = multiformats::PeerId::from_public_key(identity.key.public_key());
  spdlog::info("chiral-relay {} starting; peer id {} ({} identity {})", app::kVersion, peer_id.to_base58(),
               identity.created ? "created new" : "loaded", cfg.identity_path.string());

  raise_fd_limit(cfg.resources.max_connections);
  net::HostConfig hc;
  hc.handshake_timeout = cfg.handshake_timeout;
  hc.resources = cfg.resources;
  hc.connection.idle_timeout = cfg.idle_timeout;
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
  // go-libp2p's relay tags reserved peers in its connection manager so trimming spares them; we exempt them
  // (and circuit ends) from idle-close.
  host.set_idle_exempt([&relay](const multiformats::PeerId& p) {
    const auto& policy = relay.policy();
    return policy.reservations().has(p, relay::Clock::now()) || policy.circuits().count_for(p) > 0;
  });
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
    autonat.emplace(host, ac);  // (logs what it serves)
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
    in.handshake_failures = host.handshake_failures();
    const auto usage = host.resources().usage();
    in.pending_handshakes = usage.pending_handshakes;
    in.inbound_streams = usage.inbound_streams;
    in.stream_buffer_bytes = usage.stream_buffer_bytes;
    in.connections_closed_idle = host.idle_closed();
    for (const auto& [label, n] : host.resources().refusals_by_label()) {
      if (label.starts_with("connections") || label == "pending_handshakes") {
        in.connections_refused[label] = n;
      } else {
        in.streams_refused[label] = n;
      }
    }
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
  relay.set_on_circuit_end([&registry](net::Clock::duration lasted, std::uint64_t bytes) {
    metrics::observe_circuit_end(registry, std::chrono::duration<double>(lasted).count(), bytes);
  });
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

  const auto& res = cfg.resources;
  spdlog::info("resource limits: {} connections ({} per IP), {} pending handshakes, {} inbound streams ({} per "
               "connection), {} MiB stream buffers, idle timeout {} ms (0 = unlimited)",
               res.max_connections, res.max_connections_per_ip, res.max_pending_handshakes, res.max_inbound_streams,
               res.max_streams_per_connection, res.max_stream_buffer_bytes >> 20, cfg.idle_timeout.count());
  relay_limits_log(cfg.relay);
  (void)relay.reservation_addrs();  // warns now if reservations would carry only private addresses

  // SIGTERM/SIGINT: stop accepting, close the connections that carry no circuit (GoAway), let open circuits
  // finish for up to --shutdown-grace, then half-close what is left (both ends read a clean EOF), close the
  // rest, write the final metrics and leave the loop. A second signal skips the rest of the grace period.
  bool hurry = false;
  auto drain = [&](int sig) -> net::awaitable<void> {
    const auto grace = current.shutdown_grace;
    spdlog::info("received {}, shutting down: {} open circuit(s), grace period {} ms",
                 sig == SIGINT ? "SIGINT" : "SIGTERM", relay.active_circuits(), grace.count());
    app::sd_notify("STOPPING=1");
    host.stop_accepting();
    relay.begin_drain();
    if (autonat) autonat->stop();
    for (const auto& c : host.connections()) {
      if (!relay.carries_circuit(*c)) c->close("relay shutting down", 0);
    }
    net::asio::steady_timer tick(io);
    auto wait_circuits = [&](std::chrono::steady_clock::time_point until) -> net::awaitable<void> {
      while (relay.active_circuits() > 0 && !hurry && std::chrono::steady_clock::now() < until) {
        tick.expires_after(std::chrono::milliseconds(50));
        co_await tick.async_wait(net::use_nothrow);
      }
    };
    co_await wait_circuits(std::chrono::steady_clock::now() + grace);
    if (relay.active_circuits() > 0) {
      spdlog::info("shutdown: {} circuit(s) still open after the grace period: closing them", relay.active_circuits());
      relay.finish_circuits();
      co_await wait_circuits(std::chrono::steady_clock::now() + std::chrono::seconds(2));
    }
    relay.stop();
    host.stop();  // GoAway to every remaining peer
    // Give the GoAway frames a moment to leave, write the final metrics, then stop the loop.
    tick.expires_after(std::chrono::milliseconds(300));
    co_await tick.async_wait(net::use_nothrow);
    if (metrics_file) {
      metrics_file->write_now();
      metrics_file->stop();
    }
    if (prometheus) prometheus->stop();
    io.stop();
  };
  std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& ec,
                                                                              int sig) {
    if (ec) return;
    if (relay.draining()) {
      spdlog::info("received a second signal: skipping the rest of the grace period");
      hurry = true;
      return;
    }
    net::asio::co_spawn(io, drain(sig), net::asio::detached);
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);
  // SIGHUP: re-read the command line and --config file, the ACL and the auth token files; apply the relay
  // limits, ACL, tokens, grace and logging at once without touching connections; log what changed.
  std::function<void(const boost::system::error_code&, int)> on_hup = [&](const boost::system::error_code& ec, int) {
    if (ec) return;
    try {
      auto reread = app::parse_cli(argc, argv, /*quiet=*/true);
      if (reread.exit_code) throw app::StartupError(reread.error.empty() ? "invalid configuration" : reread.error);
      const app::Config& next = reread.config;
      std::optional<relay::Acl> new_acl;
      if (!next.acl_file.empty()) new_acl = app::load_acl_file(next.acl_file);
      std::vector<std::string> new_tokens;
      if (auth && !next.auth_tokens_file.empty()) new_tokens = services::load_auth_tokens(next.auth_tokens_file);
      // Everything parsed: apply.
      const auto plan = app::plan_reload(current, next);
      const std::size_t rules = new_acl ? new_acl->rule_count() : 0;
      relay.reload(next.relay, std::move(new_acl));
      std::string tokens_note = "no token gate";
      if (auth && !next.auth_tokens_file.empty()) {
        auth->set_tokens(std::move(new_tokens));
        tokens_note = std::to_string(auth->token_count()) + " token(s)";
      }
      app::set_log_format(next.log_format);
      spdlog::set_level(next.verbose ? spdlog::level::debug : spdlog::level::info);
      // Only what took effect: a setting that needs a restart keeps warning on every SIGHUP until then.
      current.relay = next.relay;
      current.acl_file = next.acl_file;
      current.shutdown_grace = next.shutdown_grace;
      current.verbose = next.verbose;
      current.log_format = next.log_format;
      if (current.auth_tokens_file.empty() == next.auth_tokens_file.empty()) {
        current.auth_tokens_file = next.auth_tokens_file;
      }
      std::string changes;
      for (const auto& c : plan.applied) changes += (changes.empty() ? "" : ", ") + c;
      spdlog::info("SIGHUP: reloaded; changed: {}; acl {} rule(s); {}", changes.empty() ? "nothing" : changes, rules,
                   tokens_note);
      for (const auto& name : plan.restart_needed) {
        spdlog::warn("SIGHUP: --{} changed; the new value takes effect after a restart", name);
      }
      relay_limits_log(current.relay);
      if (metrics_file) metrics_file->notify();
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
  app::set_log_format(cfg.log_format);
  spdlog::set_level(cfg.verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::flush_on(spdlog::level::info);
  try {
    return run(cfg, argc, argv);
  } catch (const app::StartupError& e) {
    spdlog::error("{}", e.what());
    return 1;
  } catch (const std::exception& e) {
    spdlog::error("fatal: {}", e.what());
    return 1;
  }
}
