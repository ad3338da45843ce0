// Reservation table: caps, refresh-in-place, per-IP accounting and expiry (circuit-v2.md "Reservation").
#include "relay/reservation_table.hpp"

namespace chiral::relay {

using multiformats::PeerId;

TimePoint ReservationTable::expiry_from(TimePoint now) const noexcept {
  if (limits_.reservation_ttl.count() <= 0) return TimePoint::max();
  // Saturate instead of overflowing for huge configured TTLs.
  const auto headroom = std::chrono::duration_cast<std::chrono::seconds>(TimePoint::max() - now);
  if (limits_.reservation_ttl >= headroom) return TimePoint::max();
  return now + std::chrono::duration_cast<Clock::duration>(limits_.reservation_ttl);
}

void ReservationTable::drop_ip(const IpAddr& ip) {
  auto it = per_ip_.find(ip);
  if (it == per_ip_.end()) return;
  if (--it->second == 0) per_ip_.erase(it);
}

std::variant<ReservationGrant, Refusal> ReservationTable::try_reserve(const PeerId& peer, const IpAddr& ip,
                                                                      TimePoint now) {
  expire(now);
  const TimePoint expires = expiry_from(now);
  auto it = entries_.find(peer);
  if (it != entries_.end()) {
    Entry& e = it->second;
    if (e.ip != ip) {
      if (limits_.max_reservations_per_ip != 0 && count_for_ip(ip) >= limits_.max_reservations_per_ip)
        return Refusal::over_per_ip;
      drop_ip(e.ip);
      add_ip(ip);
      e.ip = ip;
    }
    by_expiry_.erase({e.expires, peer});
    e.expires = expires;
    by_expiry_.emplace(expires, peer);
    return ReservationGrant{expires, true};
  }
  if (limits_.max_reservations != 0 && entries_.size() >= limits_.max_reservations) return Refusal::over_total;
  if (limits_.max_reservations_per_ip != 0 && count_for_ip(ip) >= limits_.max_reservations_per_ip)
    return Refusal::over_per_ip;
  entries_.emplace(peer, Entry{ip, expires});
  add_ip(ip);
  by_expiry_.emplace(expires, peer);
  return ReservationGrant{expires, false};
}

bool ReservationTable::has(const PeerId& peer, TimePoint now) const {
  auto it = entries_.find(peer);
  return it != entries_.end() && now < it->second.expires;
}

std::optional<TimePoint> ReservationTable::expiry(const PeerId& peer) const {
  auto it = entries_.find(peer);
  if (it == entries_.end()) return std::nullopt;
  return it->second.expires;
}

std::optional<IpAddr> ReservationTable::ip_of(const PeerId& peer) const {
  auto it = entries_.find(peer);
  if (it == entries_.end()) return std::nullopt;
  return it->second.ip;
}

bool ReservationTable::remove(const PeerId& peer) {
  auto it = entries_.find(peer);
  if (it == entries_.end()) return false;
  by_expiry_.erase({it->second.expires, peer});
  drop_ip(it->second.ip);
  entries_.erase(it);
  return true;
}

std::size_t ReservationTable::expire(TimePoint now) {
  std::size_t n = 0;
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
    auto node = by_expiry_.extract(by_expiry_.begin());
    auto it = entries_.find(node.value().second);
    if (it != entries_.end()) {
      drop_ip(it->second.ip);
      entries_.erase(it);
    }
    ++n;
  }
  return n;
}

std::size_t ReservationTable::count_for_ip(const IpAddr& ip) const {
  auto it = per_ip_.find(ip);
  return it == per_ip_.end() ? 0 : it->second;
}

std::optional<TimePoint> ReservationTable::next_expiry() const {
  if (by_expiry_.empty() || by_expiry_.begin()->first == TimePoint::max()) return std::nullopt;
  return by_expiry_.begin()->first;
}

}  // namespace chiral::relay
