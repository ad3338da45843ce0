#include "app/reload.hpp"

#include <sstream>

namespace chiral::app {

namespace {

template <class T>
std::string text(const T& v) {
  std::ostringstream os;
  if constexpr (requires { v.count(); }) {
    os << v.count();
  } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
    os << (v.empty() ? std::string("(none)") : v.string());
  } else if constexpr (std::is_same_v<T, bool>) {
    os << (v ? "on" : "off");
  } else {
    os << v;
  }
  return os.str();
}

template <class T>
void diff(std::vector<std::string>& out, const char* name, const T& a, const T& b) {
  if (a != b) out.push_back(std::string(name) + " " + text(a) + " -> " + text(b));
}

template <class T>
void restart(std::vector<std::string>& out, const char* name, const T& a, const T& b) {
  if (a != b) out.emplace_back(name);
}

}  // namespace

ReloadPlan plan_reload(const Config& a, const Config& b) {
  ReloadPlan p;
  auto& ap = p.applied;
  const auto& x = a.relay;
  const auto& y = b.relay;
  diff(ap, "max-reservations", x.max_reservations, y.max_reservations);
  diff(ap, "max-reservations-per-ip", x.max_reservations_per_ip, y.max_reservations_per_ip);
  diff(ap, "max-circuits", x.max_circuits, y.max_circuits);
  diff(ap, "max-circuits-per-peer", x.max_circuits_per_peer, y.max_circuits_per_peer);
  diff(ap, "reservation-ttl", x.reservation_ttl, y.reservation_ttl);
  diff(ap, "circuit-duration", x.circuit_duration, y.circuit_duration);
  diff(ap, "circuit-data-limit", x.circuit_data_bytes, y.circuit_data_bytes);
  diff(ap, "requests-per-minute-per-ip", x.requests_per_minute_per_ip, y.requests_per_minute_per_ip);
  diff(ap, "request-burst-per-ip", x.request_burst_per_ip, y.request_burst_per_ip);
  diff(ap, "acl-file", a.acl_file, b.acl_file);
  diff(ap, "shutdown-grace", a.shutdown_grace, b.shutdown_grace);
  diff(ap, "verbose", a.verbose, b.verbose);
  diff(ap, "log-format", a.log_format, b.log_format);
  // The token gate is wired at start-up: a new file path is re-read, switching the gate on or off is not.
  if (a.auth_tokens_file.empty() != b.auth_tokens_file.empty()) {
    p.restart_needed.emplace_back("auth-tokens-file");
  } else {
    diff(ap, "auth-tokens-file", a.auth_tokens_file, b.auth_tokens_file);
  }
  auto& rn = p.restart_needed;
  restart(rn, "port", a.port, b.port);
  restart(rn, "listen", a.listen, b.listen);
  restart(rn, "external-address", a.external_addresses, b.external_addresses);
  restart(rn, "identity-path", a.identity_path, b.identity_path);
  restart(rn, "pid-file", a.pid_file, b.pid_file);
  restart(rn, "metrics-file", a.metrics_file, b.metrics_file);
  restart(rn, "prometheus-listen", a.prometheus_listen, b.prometheus_listen);
  restart(rn, "autonat", a.autonat, b.autonat);
  restart(rn, "autonat-allow-private", a.autonat_allow_private, b.autonat_allow_private);
  restart(rn, "agent-version", a.agent_version, b.agent_version);
  restart(rn, "protocol-version", a.protocol_version, b.protocol_version);
  restart(rn, "handshake-timeout", a.handshake_timeout, b.handshake_timeout);
  restart(rn, "ws-port", a.ws_port, b.ws_port);
  restart(rn, "tls-cert", a.tls_cert, b.tls_cert);
  restart(rn, "tls-key", a.tls_key, b.tls_key);
  // The resource manager's limits are fixed when the host is built.
  const auto& r = a.resources;
  const auto& q = b.resources;
  restart(rn, "max-connections", r.max_connections, q.max_connections);
  restart(rn, "max-connections-per-ip", r.max_connections_per_ip, q.max_connections_per_ip);
  restart(rn, "max-pending-handshakes", r.max_pending_handshakes, q.max_pending_handshakes);
  restart(rn, "max-streams-per-connection", r.max_streams_per_connection, q.max_streams_per_connection);
  restart(rn, "max-inbound-streams", r.max_inbound_streams, q.max_inbound_streams);
  restart(rn, "stream-buffer-mib", r.max_stream_buffer_bytes, q.max_stream_buffer_bytes);
  restart(rn, "idle-timeout", a.idle_timeout, b.idle_timeout);
  return p;
}

}  // namespace chiral::app
