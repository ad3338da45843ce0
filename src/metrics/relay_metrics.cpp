// MetricsInputs -> metrics JSON document and Prometheus series.
#include "metrics/relay_metrics.hpp"

#include <ctime>

namespace chiral::metrics {

void copy_relay_counters(const relay::Counters& c, MetricsInputs& in) {
  in.reservations_accepted = c.reservations_accepted;
  in.reservations_refreshed = c.reservations_refreshed;
  in.reservations_refused = c.reservations_refused;
  in.circuits_accepted = c.circuits_accepted;
  in.circuits_refused = c.circuits_refused;
  in.bytes_relayed_src_to_dst = c.circuit_bytes_src_to_dst;
  in.bytes_relayed_dst_to_src = c.circuit_bytes_dst_to_src;
  in.circuits_closed = c.circuits_closed;
  in.circuits_cut_data_limit = c.circuits_cut_data_limit;
  in.circuits_cut_duration = c.circuits_cut_duration;
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  long frac = static_cast<long>(ms % 1000);
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%.*s.%03ldZ", static_cast<int>(n), buf, frac);
  return out;
}

nlohmann::json relay_metrics_json(const MetricsInputs& in) {
  nlohmann::json j = nlohmann::json::object();
  j["peer_id"] = in.peer_id;
  j["version"] = in.version;
  j["listen_addresses"] = in.listen_addresses;
  j["connected_peers"] = in.connected_peers;
  j["connections"] = in.connections;
  j["uptime_seconds"] = static_cast<std::uint64_t>(in.uptime_seconds > 0 ? in.uptime_seconds : 0);
  j["started_at"] = in.started_at;
  j["updated_at"] = rfc3339(std::chrono::system_clock::now());
  j["relay_reservations"] = in.reservations;
  j["relay_circuits"] = in.circuits;
  j["bytes_relayed"] = {{"src_to_dst", in.bytes_relayed_src_to_dst}, {"dst_to_src", in.bytes_relayed_dst_to_src}};
  j["reservations_accepted"] = in.reservations_accepted;
  j["reservations_refreshed"] = in.reservations_refreshed;
  j["reservations_refused"] = nlohmann::json(in.reservations_refused);
  j["circuits_accepted"] = in.circuits_accepted;
  j["circuits_closed"] = in.circuits_closed;
  j["circuits_cut"] = {{"data_limit", in.circuits_cut_data_limit}, {"duration", in.circuits_cut_duration}};
  j["circuits_refused"] = nlohmann::json(in.circuits_refused);
  j["autonat"] = nlohmann::json(in.autonat);
  j["handshake_failures"] = nlohmann::json(in.handshake_failures);
  j["pending_handshakes"] = in.pending_handshakes;
  j["inbound_streams"] = in.inbound_streams;
  j["stream_buffer_bytes"] = in.stream_buffer_bytes;
  j["connections_closed_idle"] = in.connections_closed_idle;
  j["connections_refused"] = nlohmann::json(in.connections_refused);
  j["streams_refused"] = nlohmann::json(in.streams_refused);
  return j;
}

void register_relay_metrics(Registry& registry, std::function<MetricsInputs()> gather) {
  // Families are registered now so a scrape before the first event still lists them.
  registry.gauge("chiral_relay_connected_peers", "Number of connected peers");
  registry.gauge("chiral_relay_connections", "Number of open connections");
  registry.gauge("chiral_relay_reservations", "Number of active relay reservations");
  registry.gauge("chiral_relay_circuits", "Number of active relay circuits");
  registry.gauge("chiral_relay_uptime_seconds", "Relay uptime in seconds");
  registry.counter("chiral_relay_bytes_relayed_total", "Bytes relayed through circuits",
                   {{"direction", "src_to_dst"}});
  registry.counter("chiral_relay_bytes_relayed_total", "", {{"direction", "dst_to_src"}});
  registry.counter("chiral_relay_reservations_accepted_total", "New relay reservations accepted");
  registry.counter("chiral_relay_reservations_refreshed_total", "Refreshes of active relay reservations");
  registry.declare("chiral_relay_reservations_refused_total", "Relay reservations refused, by reason", MetricType::counter);
  registry.counter("chiral_relay_circuits_accepted_total", "Relay circuits accepted");
  registry.counter("chiral_relay_circuits_closed_total", "Relay circuits closed (any cause)");
  registry.counter("chiral_relay_circuits_cut_total", "Relay circuits cut at a limit", {{"limit", "data"}});
  registry.counter("chiral_relay_circuits_cut_total", "", {{"limit", "duration"}});
  registry.declare("chiral_relay_circuits_refused_total", "Relay circuits refused, by reason", MetricType::counter);
  registry.declare("chiral_relay_autonat_total", "AutoNAT server events, by result", MetricType::counter);
  registry.declare("chiral_relay_handshake_failures_total",
                   "Inbound connections that failed the multistream/Noise/muxer upgrade, by stage", MetricType::counter);
  observe_circuit_end(registry, -1, 0);  // registers both histograms without an observation
  registry.gauge("chiral_relay_pending_handshakes", "Inbound connections still negotiating");
  registry.gauge("chiral_relay_inbound_streams", "Inbound streams open");
  registry.gauge("chiral_relay_stream_buffer_bytes", "Received stream bytes buffered, not yet read");
  registry.counter("chiral_relay_connections_closed_idle_total", "Connections closed after the idle timeout");
  registry.declare("chiral_relay_connections_refused_total", "Inbound connections refused at accept, by limit",
                   MetricType::counter);
  registry.declare("chiral_relay_streams_refused_total", "Inbound streams refused or reset, by limit",
                   MetricType::counter);

  registry.add_collector([gather = std::move(gather)](Registry& r) {
    const MetricsInputs in = gather();
    r.gauge("chiral_relay_info", "Relay version and peer id", {{"version", in.version}, {"peer_id", in.peer_id}})
        .set(1);
    r.gauge("chiral_relay_connected_peers", "").set(static_cast<double>(in.connected_peers));
    r.gauge("chiral_relay_connections", "").set(static_cast<double>(in.connections));
    r.gauge("chiral_relay_reservations", "").set(static_cast<double>(in.reservations));
    r.gauge("chiral_relay_circuits", "").set(static_cast<double>(in.circuits));
    r.gauge("chiral_relay_uptime_seconds", "").set(in.uptime_seconds);
    r.counter("chiral_relay_bytes_relayed_total", "", {{"direction", "src_to_dst"}})
        .set(static_cast<double>(in.bytes_relayed_src_to_dst));
    r.counter("chiral_relay_bytes_relayed_total", "", {{"direction", "dst_to_src"}})
        .set(static_cast<double>(in.bytes_relayed_dst_to_src));
    r.counter("chiral_relay_reservations_accepted_total", "").set(static_cast<double>(in.reservations_accepted));
    r.counter("chiral_relay_reservations_refreshed_total", "").set(static_cast<double>(in.reservations_refreshed));
    for (const auto& [reason, n] : in.reservations_refused) {
      r.counter("chiral_relay_reservations_refused_total", "", {{"reason", reason}}).set(static_cast<double>(n));
    }
    r.counter("chiral_relay_circuits_accepted_total", "").set(static_cast<double>(in.circuits_accepted));
    r.counter("chiral_relay_circuits_closed_total", "").set(static_cast<double>(in.circuits_closed));
    r.counter("chiral_relay_circuits_cut_total", "", {{"limit", "data"}})
        .set(static_cast<double>(in.circuits_cut_data_limit));
    r.counter("chiral_relay_circuits_cut_total", "", {{"limit", "duration"}})
        .set(static_cast<double>(in.circuits_cut_duration));
    for (const auto& [reason, n] : in.circuits_refused) {
      r.counter("chiral_relay_circuits_refused_total", "", {{"reason", reason}}).set(static_cast<double>(n));
    }
    for (const auto& [result, n] : in.autonat) {
      r.counter("chiral_relay_autonat_total", "", {{"result", result}}).set(static_cast<double>(n));
    }
    for (const auto& [stage, n] : in.handshake_failures) {
      r.counter("chiral_relay_handshake_failures_total", "", {{"stage", stage}}).set(static_cast<double>(n));
    }
    r.gauge("chiral_relay_pending_handshakes", "").set(static_cast<double>(in.pending_handshakes));
    r.gauge("chiral_relay_inbound_streams", "").set(static_cast<double>(in.inbound_streams));
    r.gauge("chiral_relay_stream_buffer_bytes", "").set(static_cast<double>(in.stream_buffer_bytes));
    r.counter("chiral_relay_connections_closed_idle_total", "").set(static_cast<double>(in.connections_closed_idle));
    for (const auto& [reason, n] : in.connections_refused) {
      r.counter("chiral_relay_connections_refused_total", "", {{"reason", reason}}).set(static_cast<double>(n));
    }
    for (const auto& [reason, n] : in.streams_refused) {
      r.counter("chiral_relay_streams_refused_total", "", {{"reason", reason}}).set(static_cast<double>(n));
    }
  });
}

void observe_circuit_end(Registry& registry, double seconds, std::uint64_t bytes) {
  // 10 ms .. ~5.8 h and 1 KiB .. 16 GiB: covers default-limited circuits (128 KiB, 2 min) and unlimited ones.
  static const std::vector<double> kSeconds = {0.01, 0.1, 1, 5, 15, 30, 60, 120, 300, 900, 3600, 21600};
  static const std::vector<double> kBytes = exponential_buckets(1024, 4, 13);
  auto& duration = registry.histogram("chiral_relay_circuit_duration_seconds",
                                      "How long relayed circuits lasted", kSeconds);
  auto& carried = registry.histogram("chiral_relay_circuit_bytes", "Bytes a relayed circuit carried (both directions)",
                                     kBytes);
  if (seconds < 0) return;
  duration.observe(seconds);
  carried.observe(static_cast<double>(bytes));
}

}  // namespace chiral::metrics
