// Reservation slots of circuit-v2.md "Reservation": one per peer, capped in total and per IP, each with an
// expiry; refresh extends in place. Time is passed in; the driver owns timers.
#pragma once
#include <cstddef>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <variant>

#include "multiformats/peer_id.hpp"
#include "relay/ip.hpp"
#include "relay/limits.hpp"
#include "relay/refusal.hpp"

namespace chiral::relay {

struct ReservationGrant {
  TimePoint expires;  // TimePoint::max() when reservation_ttl is 0 (unlimited)
  bool refreshed;     // the peer already had an active reservation
};

class ReservationTable {
 public:
  explicit ReservationTable(const Limits& limits) : limits_(limits) {}
  // SIGHUP reload: existing entries stay (even above new caps); a new TTL applies from the next refresh.
  void set_limits(const Limits& limits) { limits_ = limits; }

  // Expired entries are purged first. A refresh of an active reservation extends it and takes no new slot,
  // even at the caps. A refresh from a different IP moves the slot to that IP; if that IP is at its
  // per-IP cap the refresh is refused (over_per_ip) and the old reservation is left as it was.
  std::variant<ReservationGrant, Refusal> try_reserve(const multiformats::PeerId& peer, const IpAddr& ip,
                                                      TimePoint now);
  // Active means expires > now: a reservation is gone at its expiry instant.
  bool has(const multiformats::PeerId& peer, TimePoint now) const;
  std::optional<TimePoint> expiry(const multiformats::PeerId& peer) const;  // stored expiry, even if past
  std::optional<IpAddr> ip_of(const multiformats::PeerId& peer) const;
  bool remove(const multiformats::PeerId& peer);  // the peer's last connection closed
  std::size_t expire(TimePoint now);              // drop entries with expires <= now; returns how many
  std::size_t size() const noexcept { return entries_.size(); }
  std::size_t count_for_ip(const IpAddr& ip) const;
  // Earliest finite expiry (for the driver's timer); nullopt when empty or every entry is unlimited.
  std::optional<TimePoint> next_expiry() const;

  struct IndexSizes {
    std::size_t entries, per_ip, by_expiry;
  };
  IndexSizes debug_index_sizes() const noexcept { return {entries_.size(), per_ip_.size(), by_expiry_.size()}; }

 private:
  struct Entry {
    IpAddr ip;
    TimePoint expires;
  };
  void add_ip(const IpAddr& ip) { ++per_ip_[ip]; }
  void drop_ip(const IpAddr& ip);
  TimePoint expiry_from(TimePoint now) const noexcept;

  Limits limits_;
  std::unordered_map<multiformats::PeerId, Entry> entries_;
  std::unordered_map<IpAddr, std::uint32_t> per_ip_;             // only IPs with >= 1 reservation
  std::set<std::pair<TimePoint, multiformats::PeerId>> by_expiry_;  // expiry order, for expire()
};

}  // namespace chiral::relay
