// Writes the exposition text of a populated registry (every relay family, awkward label values, a
// histogram) to the file named by argv[1], for tests/scripts/check_exposition.py.
#include <fstream>
#include <iostream>

#include "metrics/relay_metrics.hpp"

using namespace chiral::metrics;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: metrics_exposition_dump OUT_FILE\n";
    return 2;
  }
  Registry r;
  MetricsInputs in;
  in.peer_id = "12D3KooWDump";
  in.version = "0.1.0";
  in.connected_peers = 3;
  in.connections = 5;
  in.reservations = 2;
  in.circuits = 1;
  in.uptime_seconds = 42.5;
  in.bytes_relayed_src_to_dst = 1234;
  in.bytes_relayed_dst_to_src = 5678;
  in.reservations_accepted = 7;
  in.reservations_refused = {{"resource_limit", 2}, {"acl", 1}};
  in.circuits_accepted = 4;
  in.circuits_refused = {{"no_reservation", 3}, {"odd \"reason\"\\ with\nnewline", 1}};
  in.autonat = {{"dial_ok", 6}, {"dial_refused", 1}};
  register_relay_metrics(r, [&] { return in; });
  auto& h = r.histogram("chiral_relay_circuit_duration_seconds", "Relay circuit lifetime",
                        exponential_buckets(0.1, 4, 8));
  for (double v : {0.05, 1.0, 3.0, 100.0, 5000.0}) h.observe(v);
  r.counter("chiral_relay_handshake_failures_total", "Failed inbound handshakes", {{"stage", "noise"}}).inc(2);
  std::ofstream out(argv[1], std::ios::binary);
  out << r.render();
  return out ? 0 : 1;
}
