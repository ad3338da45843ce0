#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "app/version.hpp"
#include "metrics/prometheus_server.hpp"
#include "multiformats/multiaddr.hpp"
#include "net/ws_transport.hpp"

namespace chiral::app {

namespace {

std::filesystem::path default_data_dir() {
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : ".") / ".chiral-relay";
}

// CLI11 validator: the value must parse as a multiaddr.
struct MultiaddrValidator : CLI::Validator {
  MultiaddrValidator() {
    name_ = "MULTIADDR";
    func_ = [](std::string& s) -> std::string {
      auto m = multiformats::Multiaddr::from_string(s);
      if (!m) return "invalid multiaddr '" + s + "': " + m.error().message();
      return {};
    };
  }
};

}  // namespace

ParsedCli parse_cli(int argc, char** argv) {
  ParsedCli out;
  Config& c = out.config;
  c.identity_path = default_data_dir() / "identity.key";
  c.agent_version = std::string("chiral-relay/") + kVersion;

  CLI::App app{"chiral-relay: a libp2p circuit relay v2 daemon for the Chiral Network", "chiral-relay"};
  app.option_defaults()->always_capture_default();
  app.get_formatter()->column_width(36);
  bool show_version = false;
  app.add_flag("--version", show_version, "Print the version and exit");
  app.add_option("--port", c.port, "TCP port to listen on (0 = pick a free port)")->check(CLI::Range(0, 65535));
  const MultiaddrValidator multiaddr;
  app.add_option("--listen", c.listen, "Listen multiaddr (repeatable); default /ip4/0.0.0.0/tcp/<port>")
      ->check(multiaddr);
  std::uint16_t ws_port = 0;
  auto* ws_port_opt = app.add_option("--ws-port", ws_port,
                                     "Also listen for WebSocket (browser) peers on /ip4/0.0.0.0/tcp/<port>/ws "
                                     "(off by default; 0 = pick a free port)")
                          ->check(CLI::Range(0, 65535));
  app.add_option("--tls-cert", c.tls_cert, "PEM certificate chain for /wss and /tls/ws listen addresses");
  app.add_option("--tls-key", c.tls_key, "PEM private key for --tls-cert");
  app.add_option("--external-address", c.external_addresses, "Public multiaddr to advertise (repeatable)")
      ->check(multiaddr);
  app.add_option("--identity-path", c.identity_path, "Ed25519 identity key file (created when absent)");
  app.add_option("--pid-file", c.pid_file, "Write the daemon's pid here once listening (removed on exit)");
  app.add_option("--metrics-file", c.metrics_file,
                 "Write metrics JSON here (atomically, on events and at least every 5 s)");
  app.add_option("--prometheus-listen", c.prometheus_listen,
                 "Serve Prometheus metrics at http://ADDR:PORT/metrics (off by default)")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            std::string why;
            if (!metrics::parse_listen_endpoint(v, &why)) return "invalid ADDR:PORT '" + v + "': " + why;
            return {};
          },
          "ADDR:PORT"));
  app.add_option("--agent-version", c.agent_version, "Identify agent version");
  app.add_option("--protocol-version", c.protocol_version, "Identify protocol version");
  auto& rl = c.relay;
  std::uint64_t ttl_s = static_cast<std::uint64_t>(rl.reservation_ttl.count());
  std::uint64_t duration_s = static_cast<std::uint64_t>(rl.circuit_duration.count());
  app.add_option("--max-reservations", rl.max_reservations, "Maximum concurrent reservations (0 = unlimited)");
  app.add_option("--max-reservations-per-ip", rl.max_reservations_per_ip,
                 "Maximum reservations from one IP address (0 = unlimited)");
  app.add_option("--max-circuits", rl.max_circuits, "Maximum concurrent relayed circuits in total (0 = unlimited)");
  app.add_option("--max-circuits-per-peer", rl.max_circuits_per_peer,
                 "Maximum concurrent circuits a peer takes part in (0 = unlimited)");
  app.add_option("--reservation-ttl", ttl_s, "Reservation lifetime in seconds (0 = no expiry)");
  app.add_option("--circuit-duration", duration_s, "Circuit lifetime in seconds (0 = unlimited)");
  app.add_option("--circuit-data-limit", rl.circuit_data_bytes,
                 "Bytes a circuit may carry in each direction (0 = unlimited)");
  app.add_option("--requests-per-minute-per-ip", rl.requests_per_minute_per_ip,
                 "Token bucket on RESERVE + CONNECT requests per source IP (0 = off)");
  app.add_option("--request-burst-per-ip", rl.request_burst_per_ip,
                 "Burst size of that bucket (0 = one minute's worth)");
  app.add_option("--acl-file", c.acl_file,
                 "Allow/deny rules for reservations and circuit sources: lines '<reserve|connect> <allow|deny> "
                 "<peer|ip> <peer-id|ip|cidr>'")
      ->check(CLI::ExistingFile);
  app.add_option("--auth-tokens-file", c.auth_tokens_file,
                 "Require /chiral/relay-auth/1.0.0 with one of these tokens (one per line) before RESERVE")
      ->check(CLI::ExistingFile);
  app.add_flag("--autonat,!--no-autonat", c.autonat,
               "Serve AutoNAT v2 (/libp2p/autonat/2/dial-request) and v1 reachability checks");
  app.add_flag("--autonat-allow-private", c.autonat_allow_private,
               "Let AutoNAT dial back private, loopback and link-local addresses (tests, private networks)");
  double handshake_timeout_s = std::chrono::duration<double>(c.handshake_timeout).count();
  app.add_option("--handshake-timeout", handshake_timeout_s,
                 "Seconds a new connection has to finish multistream + Noise + muxer negotiation")
      ->check(CLI::Range(0.05, 600.0));
  app.add_flag("--verbose,-v", c.verbose, "Debug logging");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    out.exit_code = app.exit(e);
    return out;
  } catch (const CLI::ParseError& e) {
    std::cerr << "chiral-relay: " << e.what() << " (see --help)\n";
    out.exit_code = 2;
    return out;
  }
  if (*ws_port_opt) c.ws_port = ws_port;
  // TLS files and secure WebSocket listeners: checked now so a mistake is one line naming the flag.
  auto refuse = [&out](const std::string& msg) {
    std::cerr << "chiral-relay: " << msg << "\n";
    out.exit_code = 2;
    return out;
  };
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return refuse(c.tls_cert.empty() ? "--tls-key needs --tls-cert" : "--tls-cert needs --tls-key");
  }
  if (!c.tls_cert.empty()) {
    std::string why;
    bool key_at_fault = false;
    if (!net::make_tls_server_context(c.tls_cert.string(), c.tls_key.string(), &why, &key_at_fault)) {
      return refuse(std::string(key_at_fault ? "--tls-key: " : "--tls-cert: ") + why);
    }
  }
  for (const auto& l : c.listen) {
    auto spec = net::transport_spec(*multiformats::Multiaddr::from_string(l));
    if (!spec) return refuse("--listen " + l + ": not a /ip4|ip6/<ip>/tcp/<port>[/ws|/wss|/tls/ws] address");
    if (spec->kind == net::WsKind::wss && c.tls_cert.empty()) {
      return refuse("--listen " + l + ": a secure WebSocket listener needs --tls-cert and --tls-key");
    }
  }
  rl.reservation_ttl = std::chrono::seconds(ttl_s);
  rl.circuit_duration = std::chrono::seconds(duration_s);
  c.handshake_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(handshake_timeout_s * 1000));
  if (show_version) {
    std::cout << "chiral-relay " << kVersion << "\n";
    out.exit_code = 0;
  }
  return out;
}

}  // namespace chiral::app
