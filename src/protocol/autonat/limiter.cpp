// Sliding-window request limits of the AutoNAT server (libp2p/specs autonat/autonat-v2.md).
#include "protocol/autonat/limiter.hpp"

#include <algorithm>

namespace chiral::autonat {

std::string_view rejection_name(Rejection r) noexcept {
  switch (r) {
    case Rejection::concurrency: return "concurrency";
    case Rejection::peer_concurrency: return "peer_concurrency";
    case Rejection::rate: return "rate";
    case Rejection::peer_rate: return "peer_rate";
    case Rejection::dial_data_rate: return "dial_data_rate";
    case Rejection::too_many_peers: return "too_many_peers";
  }
  return "unknown";
}

Limiter::Limiter(LimiterConfig cfg) : cfg_(cfg) { cfg_.max_tracked_peers = std::max<std::size_t>(cfg_.max_tracked_peers, 1); }

void Limiter::expire(std::deque<TimePoint>& q, TimePoint now) {
  while (!q.empty() && now - q.front() >= kWindow) q.pop_front();
}

void Limiter::sweep(TimePoint now) {
  for (auto it = peers_.begin(); it != peers_.end();) {
    expire(it->second.recent, now);
    if (it->second.recent.empty() && it->second.in_progress == 0) {
      it = peers_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<Rejection> Limiter::try_begin(const multiformats::PeerId& peer, TimePoint now) {
  if (cfg_.max_concurrent != 0 && in_progress_ >= cfg_.max_concurrent) return Rejection::concurrency;
  auto it = peers_.find(peer);
  if (it != peers_.end()) {
    expire(it->second.recent, now);
    if (cfg_.max_concurrent_per_peer != 0 && it->second.in_progress >= cfg_.max_concurrent_per_peer) {
      return Rejection::peer_concurrency;
    }
    if (cfg_.requests_per_minute_per_peer != 0 && it->second.recent.size() >= cfg_.requests_per_minute_per_peer) {
      return Rejection::peer_rate;
    }
  }
  expire(recent_, now);
  if (cfg_.requests_per_minute != 0 && recent_.size() >= cfg_.requests_per_minute) return Rejection::rate;
  if (it == peers_.end()) {
    if (peers_.size() >= cfg_.max_tracked_peers) sweep(now);
    if (peers_.size() >= cfg_.max_tracked_peers) return Rejection::too_many_peers;
    it = peers_.emplace(peer, PeerState{}).first;
  }
  if (cfg_.requests_per_minute != 0) recent_.push_back(now);
  if (cfg_.requests_per_minute_per_peer != 0) it->second.recent.push_back(now);
  ++it->second.in_progress;
  ++in_progress_;
  return std::nullopt;
}

void Limiter::end(const multiformats::PeerId& peer) {
  auto it = peers_.find(peer);
  if (it == peers_.end() || it->second.in_progress == 0) return;
  --it->second.in_progress;
  --in_progress_;
  if (it->second.in_progress == 0 && it->second.recent.empty()) peers_.erase(it);
}

std::optional<Rejection> Limiter::try_dial_data(TimePoint now) {
  if (cfg_.dial_data_requests_per_minute == 0) return std::nullopt;
  expire(recent_dial_data_, now);
  if (recent_dial_data_.size() >= cfg_.dial_data_requests_per_minute) return Rejection::dial_data_rate;
  recent_dial_data_.push_back(now);
  return std::nullopt;
}

std::size_t Limiter::in_progress(const multiformats::PeerId& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second.in_progress;
}

}  // namespace chiral::autonat
