#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <unistd.h>

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

// CLI11 validator for a file the daemon creates or writes: the first existing ancestor of the file must be
// a directory we may write into, and the file itself, when present, must be a readable regular file.
struct WritableFileValidator : CLI::Validator {
  WritableFileValidator() {
    name_ = "FILE";
    func_ = [](std::string& s) -> std::string {
      namespace fs = std::filesystem;
      if (s.empty()) return "empty path";
      const fs::path p = fs::absolute(fs::path(s));
      std::error_code ec;
      const auto st = fs::status(p, ec);
      if (fs::exists(st)) {
        if (!fs::is_regular_file(st)) return "'" + s + "' is not a regular file";
        if (::access(p.c_str(), R_OK) != 0) return "'" + s + "' is not readable";
      }
      fs::path dir = p.parent_path();
      while (!dir.empty() && !fs::exists(dir, ec)) {
        if (dir == dir.parent_path()) break;
        dir = dir.parent_path();
      }
      if (!fs::is_directory(dir, ec)) return "'" + dir.string() + "' (on the path of '" + s + "') is not a directory";
      if (::access(dir.c_str(), W_OK | X_OK) != 0) return "directory '" + dir.string() + "' is not writable";
      return {};
    };
  }
};

}  // namespace

ParsedCli parse_cli(int argc, char** argv, bool quiet) {
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
  const WritableFileValidator writable_file;
  app.add_option("--identity-path", c.identity_path, "Ed25519 identity key file (created when absent)")
      ->check(writable_file);
  app.add_option("--pid-file", c.pid_file, "Write the daemon's pid here once listening (removed on exit)")
      ->check(writable_file);
  app.add_option("--metrics-file", c.metrics_file,
                 "Write metrics JSON here (atomically, on events and at least every 5 s)")
      ->check(writable_file);
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
  double shutdown_grace_s = std::chrono::duration<double>(c.shutdown_grace).count();
  app.add_option("--shutdown-grace", shutdown_grace_s,
                 "Seconds open circuits may keep flowing after SIGTERM/SIGINT before they are closed")
      ->check(CLI::Range(0.0, 3600.0));
  auto& res = c.resources;
  // (NonNegativeNumber: CLI11 would wrap "-1" into SIZE_MAX for an unsigned option)
  app.add_option("--max-connections", res.max_connections,
                 "Maximum inbound connections, handshaking or established (0 = unlimited)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-connections-per-ip", res.max_connections_per_ip,
                 "Maximum inbound connections from one IPv4 address or IPv6 /64 (0 = unlimited)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-pending-handshakes", res.max_pending_handshakes,
                 "Maximum inbound connections still negotiating multistream/Noise/yamux (0 = unlimited)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-streams-per-connection", res.max_streams_per_connection,
                 "Maximum inbound streams open at once on one connection (0 = unlimited)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-inbound-streams", res.max_inbound_streams,
                 "Maximum inbound streams open at once over all connections (0 = unlimited)")
      ->check(CLI::NonNegativeNumber);
  std::size_t buffer_mib = res.max_stream_buffer_bytes >> 20;
  app.add_option("--stream-buffer-mib", buffer_mib,
                 "MiB of received-but-unread stream data buffered over all connections; beyond it the "
                 "stream that overflows is reset (0 = unlimited)")
      ->check(CLI::NonNegativeNumber);
  double idle_timeout_s = std::chrono::duration<double>(c.idle_timeout).count();
  app.add_option("--idle-timeout", idle_timeout_s,
                 "Seconds a connection may stay without streams before it is closed; peers holding a "
                 "reservation or a circuit are exempt (0 = never)")
      ->check(CLI::Range(0.0, 86400.0));
  app.add_flag("--verbose,-v", c.verbose, "Debug logging");
  app.add_option("--log-format", c.log_format, "Log lines as plain text or as one JSON object per line")
      ->check(CLI::IsMember({"text", "json"}));
  app.set_config("--config", "",
                 "TOML/INI file with any option above (long name without dashes, e.g. max-reservations = 256); "
                 "command-line flags win; SIGHUP re-reads it");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    out.exit_code = app.exit(e);
    return out;
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');  // always one line
    while (!what.empty() && what.back() == ' ') what.pop_back();
    out.error = "chiral-relay: " + what + " (see --help)";
    if (!quiet) std::cerr << out.error << "\n";
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
  c.shutdown_grace = std::chrono::milliseconds(static_cast<std::int64_t>(shutdown_grace_s * 1000));
  c.idle_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(idle_timeout_s * 1000));
  res.max_stream_buffer_bytes = buffer_mib << 20;
  if (show_version) {
    std::cout << "chiral-relay " << kVersion << "\n";
    out.exit_code = 0;
  }
  return out;
}

}  // namespace chiral::app
