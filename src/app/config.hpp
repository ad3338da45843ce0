// Daemon configuration: every operator-facing knob in one struct (CLI11 + env fill it; see
// ../shared/seed/relay-deployment-guide.md for names and defaults). Units are in the field names.
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace chiral::app {

struct RelayLimits {
  std::uint32_t max_reservations = 128;          // 0 = unlimited
  std::uint32_t max_reservations_per_peer = 1;
  std::uint32_t max_reservations_per_ip = 8;
  std::uint32_t max_circuits = 16;               // total
  std::uint32_t max_circuits_per_peer = 4;
  std::uint32_t reservation_ttl_seconds = 3600;
  std::uint32_t circuit_duration_seconds = 120;
  std::uint64_t circuit_data_bytes = 131072;     // per direction
};

struct Config {
  // Network
  std::uint16_t port = 4001;
  std::vector<std::string> listen;               // multiaddrs; when empty: /ip4/0.0.0.0/tcp/<port>
  std::vector<std::string> external_addresses;   // multiaddrs advertised as reachable
  // Files
  std::filesystem::path identity_path;           // default $HOME/.chiral-relay/identity.key
  std::filesystem::path pid_file;                // empty = none
  std::filesystem::path metrics_file;            // empty = none
  std::filesystem::path acl_file;                // empty = none
  // Relay and AutoNAT (filled by later issues; defaults are the documented ones)
  RelayLimits relay;
  bool autonat = true;
  bool autonat_allow_private = false;
  std::string prometheus_listen;                 // "ADDR:PORT", empty = off
  // Identify
  std::string agent_version;                     // default chiral-relay/<version>
  std::string protocol_version = "/chiral/relay/1.0.0";
  // Logging
  bool verbose = false;
  std::string log_format = "text";               // text | json
  // Timeouts
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds keepalive_interval{30'000};
  std::chrono::milliseconds keepalive_timeout{10'000};
};

}  // namespace chiral::app
