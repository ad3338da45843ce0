// The relay's admission policy (issue 4 "Policy"): ACL, per-IP rate, reservation and circuit tables behind
// one gate the relay service calls; every decision is counted under its Refusal label. No I/O, no clocks.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "multiformats/peer_id.hpp"
#include "relay/acl.hpp"
#include "relay/circuit_table.hpp"
#include "relay/ip.hpp"
#include "relay/limits.hpp"
#include "relay/rate_limiter.hpp"
#include "relay/refusal.hpp"
#include "relay/reservation_table.hpp"

namespace chiral::relay {

// Plain integers; the metrics layer reads them. Refusal maps are keyed by refusal_label().
struct Counters {
  std::uint64_t reservations_accepted = 0;   // new reservations
  std::uint64_t reservations_refreshed = 0;  // refreshes of an active one (not in reservations_accepted)
  std::map<std::string, std::uint64_t> reservations_refused;
  std::uint64_t circuits_accepted = 0;  // slots granted by Policy::connect
  std::map<std::string, std::uint64_t> circuits_refused;
  std::uint64_t circuit_bytes_src_to_dst = 0, circuit_bytes_dst_to_src = 0;  // the splice adds to these
  std::uint64_t circuits_closed = 0;  // every released slot, including cut and failed ones
  std::uint64_t circuits_cut_data_limit = 0, circuits_cut_duration = 0;
};

// Why a granted circuit slot is being released.
enum class CircuitEnd { closed, data_limit, duration };

class Policy {
 public:
  explicit Policy(Limits limits, std::optional<Acl> acl = std::nullopt);

  // SIGHUP: new limits for both tables and the rate limiter (existing entries stay); nullopt = no ACL.
  void reload(Limits limits, std::optional<Acl> acl);
  const Limits& limits() const noexcept { return limits_; }
  const Acl* acl() const noexcept { return acl_ ? &*acl_ : nullptr; }
  // The relay's own id: a CONNECT targeting it is refused as `self` too.
  void set_local_peer(multiformats::PeerId id) { local_peer_ = std::move(id); }

  // RESERVE: acl(reserve) -> rate -> reservation table.
  std::variant<ReservationGrant, Refusal> reserve(const multiformats::PeerId& peer, const IpAddr& ip,
                                                  TimePoint now);
  // CONNECT from src (at src_ip) to dst: acl(connect, src) -> rate(src_ip) -> dst == src or dst == relay
  // -> self; dst has no active reservation -> no_reservation; circuit caps.
  std::variant<CircuitId, Refusal> connect(const multiformats::PeerId& src, const IpAddr& src_ip,
                                           const multiformats::PeerId& dst, TimePoint now);

  // Releases a granted circuit slot (idempotent: unknown ids are not counted). `end` picks the cut counter.
  void close_circuit(CircuitId id, CircuitEnd end = CircuitEnd::closed);
  // A granted circuit that never got going (STOP refused / failed / timed out): releases the slot and
  // counts circuits_refused[label] as well as circuits_closed.
  void fail_circuit(CircuitId id, Refusal why);
  // Refusals decided by the service (auth, relayed_source, malformed, unexpected, ...), same labels.
  void count_reservation_refused(Refusal why) { ++counters_.reservations_refused[std::string(refusal_label(why))]; }
  void count_circuit_refused(Refusal why) { ++counters_.circuits_refused[std::string(refusal_label(why))]; }

  // The peer's last connection closed: its reservation ends (circuits are closed by their own splices).
  void peer_disconnected(const multiformats::PeerId& peer) { reservations_.remove(peer); }
  // Drops expired reservations (returns how many) and refilled rate buckets; call it from a timer.
  std::size_t expire(TimePoint now) {
    rate_.sweep(now);
    return reservations_.expire(now);
  }

  const ReservationTable& reservations() const noexcept { return reservations_; }
  const CircuitTable& circuits() const noexcept { return circuits_; }
  const RateLimiter& rate_limiter() const noexcept { return rate_; }
  Counters& counters() noexcept { return counters_; }
  const Counters& counters() const noexcept { return counters_; }

 private:
  Limits limits_;
  std::optional<Acl> acl_;
  std::optional<multiformats::PeerId> local_peer_;
  ReservationTable reservations_;
  CircuitTable circuits_;
  RateLimiter rate_;
  Counters counters_;
};

}  // namespace chiral::relay
