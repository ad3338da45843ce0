// Relay v2 resource limits (circuit-v2.md "Reservation", "Limit") and the clock types the policy uses;
// defaults are ../shared/PROTOCOLS.md "Defaults chosen for chiral-relay".
#pragma once
#include <chrono>
#include <cstdint>

namespace chiral::relay {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// 0 = unlimited for every numeric field.
struct Limits {
  std::uint32_t max_reservations = 128;
  std::uint32_t max_reservations_per_ip = 8;  // per peer is always 1 (a refresh replaces it)
  std::uint32_t max_circuits = 16;
  std::uint32_t max_circuits_per_peer = 4;    // counted at both ends of a circuit
  std::chrono::seconds reservation_ttl{3600};
  std::chrono::seconds circuit_duration{120};
  std::uint64_t circuit_data_bytes = 131072;  // per direction
  // Token bucket per source IP over RESERVE and CONNECT requests together; requests_per_minute_per_ip 0 =
  // off. request_burst_per_ip 0 = one minute's worth (= requests_per_minute_per_ip).
  std::uint32_t requests_per_minute_per_ip = 0;
  std::uint32_t request_burst_per_ip = 0;

  bool operator==(const Limits&) const = default;
};

}  // namespace chiral::relay
