// Daemon configuration: every operator-facing knob in one struct (CLI11 + env fill it; see
// ../shared/seed/relay-deployment-guide.md for names and defaults). Units are in the field names.
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "net/resource_manager.hpp"
#include "relay/policy.hpp"

namespace chiral::app {


struct Config {
  // Network
  std::uint16_t port = 4001;
  std::vector<std::string> listen;               // multiaddrs; when empty: /ip4/0.0.0.0/tcp/<port>
  std::vector<std::string> external_addresses;   // multiaddrs advertised as reachable
  std::optional<std::uint16_t> ws_port;          // adds /ip4/0.0.0.0/tcp/<ws_port>/ws (off when unset)
  std::filesystem::path tls_cert;                // PEM certificate chain for /wss and /tls/ws listeners
  std::filesystem::path tls_key;                 // PEM private key of that certificate
  // Files
  std::filesystem::path identity_path;           // default $HOME/.chiral-relay/identity.key
  std::filesystem::path pid_file;                // empty = none
  std::filesystem::path metrics_file;            // empty = none
  std::filesystem::path acl_file;                // empty = none
  // Relay and AutoNAT (filled by later issues; defaults are the documented ones)
  relay::Limits relay;                           // reservation/circuit caps (0 = unlimited)
  // Inbound admission (0 = unlimited). Defaults for a public relay: see README "Resource limits".
  net::ResourceLimits resources{.max_connections = 4096,
                                .max_connections_per_ip = 16,
                                .max_pending_handshakes = 256,
                                .max_streams_per_connection = 128,
                                .max_inbound_streams = 16384,
                                .max_stream_buffer_bytes = std::size_t{256} << 20};
  std::filesystem::path auth_tokens_file;        // /chiral/relay-auth/1.0.0 gate, empty = off
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
  std::chrono::milliseconds shutdown_grace{10'000};     // SIGTERM: how long open circuits may finish
  std::chrono::milliseconds keepalive_interval{30'000};
  std::chrono::milliseconds keepalive_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};  // connection without streams (reserved peers exempt)
};

}  // namespace chiral::app
