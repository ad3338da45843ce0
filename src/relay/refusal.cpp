// Refusal labels and their circuit-v2 Status numbers.
#include "relay/refusal.hpp"

namespace chiral::relay {

std::string_view refusal_label(Refusal r) noexcept {
  switch (r) {
    case Refusal::over_total: return "over_total";
    case Refusal::over_per_ip: return "over_per_ip";
    case Refusal::acl: return "acl";
    case Refusal::rate: return "rate";
    case Refusal::auth: return "auth";
    case Refusal::over_circuits_total: return "over_circuits_total";
    case Refusal::over_circuits_per_peer: return "over_circuits_per_peer";
    case Refusal::no_reservation: return "no_reservation";
    case Refusal::self: return "self";
    case Refusal::relayed_source: return "relayed_source";
    case Refusal::malformed: return "malformed";
    case Refusal::unexpected: return "unexpected";
    case Refusal::connection_failed: return "connection_failed";
    case Refusal::shutting_down: return "shutting_down";
  }
  return "unknown";
}

std::uint32_t hop_status(Refusal r, RequestKind kind) noexcept {
  constexpr std::uint32_t kReservationRefused = 200, kResourceLimitExceeded = 201, kPermissionDenied = 202,
                          kConnectionFailed = 203, kNoReservation = 204, kMalformed = 400, kUnexpected = 401;
  switch (r) {
    case Refusal::over_total:
    case Refusal::over_per_ip: return kReservationRefused;
    case Refusal::shutting_down:
    case Refusal::rate: return kind == RequestKind::reserve ? kReservationRefused : kResourceLimitExceeded;
    case Refusal::over_circuits_total:
    case Refusal::over_circuits_per_peer: return kResourceLimitExceeded;
    case Refusal::acl:
    case Refusal::auth:
    case Refusal::self:
    case Refusal::relayed_source: return kPermissionDenied;
    case Refusal::connection_failed: return kConnectionFailed;
    case Refusal::no_reservation: return kNoReservation;
    case Refusal::malformed: return kMalformed;
    case Refusal::unexpected: return kUnexpected;
  }
  return kPermissionDenied;
}

}  // namespace chiral::relay
