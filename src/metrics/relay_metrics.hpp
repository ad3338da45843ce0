// The daemon's operator-facing metrics: one plain snapshot (MetricsInputs) rendered both as the metrics
// JSON file (relay-deployment-guide.md "Metrics File" fields and more) and as Prometheus series.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/registry.hpp"
#include "relay/policy.hpp"

namespace chiral::metrics {

// What the daemon gathers from the host, the relay policy and AutoNAT at snapshot time.
struct MetricsInputs {
  std::string peer_id;
  std::string version;
  std::vector<std::string> listen_addresses;  // concrete, with /p2p/<id>
  std::uint64_t connected_peers = 0;          // distinct peers (Host::connected_peer_count)
  std::uint64_t connections = 0;              // Host::connection_count
  std::uint64_t reservations = 0;             // active (Policy::reservations().size())
  std::uint64_t circuits = 0;                 // active (Policy::circuits().size())
  double uptime_seconds = 0;
  std::string started_at;  // RFC 3339, UTC
  std::uint64_t bytes_relayed_src_to_dst = 0, bytes_relayed_dst_to_src = 0;
  std::map<std::string, std::uint64_t> reservations_refused, circuits_refused;  // by refusal label
  std::uint64_t reservations_accepted = 0, circuits_accepted = 0;
  std::map<std::string, std::uint64_t> autonat;  // AutoNAT counters by result label
  std::map<std::string, std::uint64_t> handshake_failures;  // inbound upgrade failures by stage
  // Extra relay counters (relay::Counters), zero when not filled.
  std::uint64_t reservations_refreshed = 0, circuits_closed = 0;
  std::uint64_t circuits_cut_data_limit = 0, circuits_cut_duration = 0;
  // Resource manager (net::ResourceManager): current use and refusals by limit label.
  std::uint64_t pending_handshakes = 0, inbound_streams = 0, stream_buffer_bytes = 0;
  std::uint64_t connections_closed_idle = 0;
  std::map<std::string, std::uint64_t> connections_refused, streams_refused;
};

// Copies every relay::Counters field into `in`.
void copy_relay_counters(const relay::Counters& c, MetricsInputs& in);

// RFC 3339 UTC with millisecond precision: 2024-05-01T12:34:56.789Z.
std::string rfc3339(std::chrono::system_clock::time_point t);

// The metrics file document. Keys (all always present):
//   peer_id, version, listen_addresses[], connected_peers, connections, uptime_seconds (integer),
//   started_at, updated_at (now, RFC 3339), relay_reservations, relay_circuits,
//   bytes_relayed {src_to_dst, dst_to_src}, reservations_accepted, reservations_refreshed,
//   reservations_refused {label: n}, circuits_accepted, circuits_closed, circuits_cut {data_limit, duration},
//   circuits_refused {label: n}, autonat {label: n}, handshake_failures {stage: n}, pending_handshakes,
//   inbound_streams, stream_buffer_bytes, connections_closed_idle, connections_refused {label: n},
//   streams_refused {label: n}.
nlohmann::json relay_metrics_json(const MetricsInputs& in);

// Adds a collector that calls `gather` before each Prometheus render and copies it into:
//   chiral_relay_info{version,peer_id} 1, chiral_relay_connected_peers, chiral_relay_connections,
//   chiral_relay_reservations, chiral_relay_circuits, chiral_relay_uptime_seconds (gauges);
//   chiral_relay_bytes_relayed_total{direction}, chiral_relay_reservations_accepted_total,
//   chiral_relay_reservations_refreshed_total, chiral_relay_reservations_refused_total{reason},
//   chiral_relay_circuits_accepted_total, chiral_relay_circuits_closed_total,
//   chiral_relay_circuits_cut_total{limit}, chiral_relay_circuits_refused_total{reason},
//   chiral_relay_autonat_total{result}, chiral_relay_handshake_failures_total{stage} (counters);
//   chiral_relay_pending_handshakes, chiral_relay_inbound_streams, chiral_relay_stream_buffer_bytes (gauges),
//   chiral_relay_connections_closed_idle_total, chiral_relay_connections_refused_total{reason},
//   chiral_relay_streams_refused_total{reason} (counters); chiral_relay_circuit_duration_seconds and
//   chiral_relay_circuit_bytes (histograms, observed by the caller through observe_circuit_end).
void register_relay_metrics(Registry& registry, std::function<MetricsInputs()> gather);
// Records one finished circuit in the two circuit histograms.
void observe_circuit_end(Registry& registry, double seconds, std::uint64_t bytes);

}  // namespace chiral::metrics
