// Policy gate: the order of checks (acl, rate, then tables) and the counters behind the metrics.
#include "relay/policy.hpp"

namespace chiral::relay {

using multiformats::PeerId;

Policy::Policy(Limits limits, std::optional<Acl> acl)
    : limits_(limits),
      acl_(std::move(acl)),
      reservations_(limits),
      circuits_(limits),
      rate_(limits.requests_per_minute_per_ip, limits.request_burst_per_ip) {}

void Policy::reload(Limits limits, std::optional<Acl> acl) {
  limits_ = limits;
  acl_ = std::move(acl);
  reservations_.set_limits(limits);
  circuits_.set_limits(limits);
  rate_.set_rate(limits.requests_per_minute_per_ip, limits.request_burst_per_ip);
}

std::variant<ReservationGrant, Refusal> Policy::reserve(const PeerId& peer, const IpAddr& ip, TimePoint now) {
  auto refuse = [&](Refusal r) -> std::variant<ReservationGrant, Refusal> {
    count_reservation_refused(r);
    return r;
  };
  if (acl_ && !acl_->allows(AclScope::reserve, peer, ip)) return refuse(Refusal::acl);
  if (!rate_.allow(ip, now)) return refuse(Refusal::rate);
  auto result = reservations_.try_reserve(peer, ip, now);
  if (auto* r = std::get_if<Refusal>(&result)) return refuse(*r);
  if (std::get<ReservationGrant>(result).refreshed)
    ++counters_.reservations_refreshed;
  else
    ++counters_.reservations_accepted;
  return result;
}

std::variant<CircuitId, Refusal> Policy::connect(const PeerId& src, const IpAddr& src_ip, const PeerId& dst,
                                                 TimePoint now) {
  auto refuse = [&](Refusal r) -> std::variant<CircuitId, Refusal> {
    count_circuit_refused(r);
    return r;
  };
  if (acl_ && !acl_->allows(AclScope::connect, src, src_ip)) return refuse(Refusal::acl);
  if (!rate_.allow(src_ip, now)) return refuse(Refusal::rate);
  if (dst == src || (local_peer_ && dst == *local_peer_)) return refuse(Refusal::self);
  if (!reservations_.has(dst, now)) return refuse(Refusal::no_reservation);
  auto result = circuits_.try_open(src, dst);
  if (auto* r = std::get_if<Refusal>(&result)) return refuse(*r);
  ++counters_.circuits_accepted;
  return result;
}

void Policy::close_circuit(CircuitId id, CircuitEnd end) {
  if (!circuits_.close(id)) return;
  ++counters_.circuits_closed;
  if (end == CircuitEnd::data_limit) ++counters_.circuits_cut_data_limit;
  if (end == CircuitEnd::duration) ++counters_.circuits_cut_duration;
}

void Policy::fail_circuit(CircuitId id, Refusal why) {
  if (!circuits_.close(id)) return;
  ++counters_.circuits_closed;
  count_circuit_refused(why);
}

}  // namespace chiral::relay
