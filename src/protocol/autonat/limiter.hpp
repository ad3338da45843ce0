// Request limits of an AutoNAT server (libp2p/specs autonat/autonat-v2.md "Requirements for
// ResponseStatus": E_REQUEST_REJECTED on rate or resource limits): requests in progress in total and per
// peer, requests per minute in total and per peer, dial-data requests per minute. Sliding one-minute
// windows as go's server keeps them; memory is bounded by the limits (and max_tracked_peers). No clock
// inside: `now` is passed in and should not go backwards.
#pragma once
#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "multiformats/peer_id.hpp"

namespace chiral::autonat {

using LimiterClock = std::chrono::steady_clock;

// 0 = unlimited for every field (max_tracked_peers 0 = 1).
struct LimiterConfig {
  std::size_t max_concurrent = 16;
  std::size_t max_concurrent_per_peer = 1;
  std::size_t requests_per_minute = 60;
  std::size_t requests_per_minute_per_peer = 12;
  std::size_t dial_data_requests_per_minute = 12;
  std::size_t max_tracked_peers = 4096;
};

// The refusal reasons; the same names label logs and counters.
enum class Rejection {
  concurrency,       // max_concurrent requests already in progress
  peer_concurrency,  // this peer has max_concurrent_per_peer in progress
  rate,              // requests_per_minute reached
  peer_rate,         // requests_per_minute_per_peer reached
  dial_data_rate,    // dial_data_requests_per_minute reached
  too_many_peers,    // max_tracked_peers peers with requests in the last minute
};
std::string_view rejection_name(Rejection r) noexcept;

class Limiter {
 public:
  using TimePoint = LimiterClock::time_point;
  static constexpr LimiterClock::duration kWindow = std::chrono::minutes(1);

  explicit Limiter(LimiterConfig cfg = {});

  // Admits a request (it then counts as in progress until end()) or says why not. A refused request
  // uses up nothing.
  std::optional<Rejection> try_begin(const multiformats::PeerId& peer, TimePoint now);
  // Ends a request admitted by try_begin. Unknown peers are ignored.
  void end(const multiformats::PeerId& peer);
  // Admits one dial-data request (an amplification check) or refuses it with dial_data_rate.
  std::optional<Rejection> try_dial_data(TimePoint now);

  std::size_t in_progress() const noexcept { return in_progress_; }
  std::size_t in_progress(const multiformats::PeerId& peer) const;
  std::size_t tracked_peers() const noexcept { return peers_.size(); }
  const LimiterConfig& config() const noexcept { return cfg_; }

 private:
  struct PeerState {
    std::deque<TimePoint> recent;  // admitted requests in the last minute, oldest first
    std::size_t in_progress = 0;
  };
  static void expire(std::deque<TimePoint>& q, TimePoint now);
  void sweep(TimePoint now);

  LimiterConfig cfg_;
  std::deque<TimePoint> recent_;            // all admitted requests in the last minute
  std::deque<TimePoint> recent_dial_data_;  // dial-data requests in the last minute
  std::unordered_map<multiformats::PeerId, PeerState> peers_;
  std::size_t in_progress_ = 0;
};

}  // namespace chiral::autonat
