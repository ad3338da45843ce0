// Why the relay refused a request (circuit-v2.md "Status"): one enum that picks the wire status and is the
// log and metrics label, as go circuitv2's fail(status) does.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

namespace chiral::relay {

enum class Refusal {
  over_total,              // max_reservations reached
  over_per_ip,             // max_reservations_per_ip reached
  acl,                     // ACL denies the peer or its IP
  rate,                    // per-IP request token bucket empty
  auth,                    // /chiral/relay-auth gate: peer not authenticated on this connection
  over_circuits_total,     // max_circuits reached
  over_circuits_per_peer,  // max_circuits_per_peer reached at the source or at the destination
  no_reservation,          // CONNECT target has no active reservation
  self,                    // CONNECT to itself (or to the relay)
  relayed_source,          // request arrived over a relayed connection (no relay chains)
  malformed,               // undecodable or incomplete message
  unexpected,              // wrong message type for the stream
  connection_failed,       // STOP to the target failed / refused / timed out
  shutting_down,           // the relay is draining after SIGTERM: no new reservations or circuits
};

inline constexpr std::array<Refusal, 14> kAllRefusals = {
    Refusal::over_total,     Refusal::over_per_ip, Refusal::acl,          Refusal::rate,
    Refusal::auth,           Refusal::over_circuits_total,                Refusal::over_circuits_per_peer,
    Refusal::no_reservation, Refusal::self,        Refusal::relayed_source, Refusal::malformed,
    Refusal::unexpected,     Refusal::connection_failed,                  Refusal::shutting_down,
};

// "over_total", "over_per_ip", "acl", "rate", "auth", "over_circuits_total", "over_circuits_per_peer",
// "no_reservation", "self", "relayed_source", "malformed", "unexpected", "connection_failed", "shutting_down".
std::string_view refusal_label(Refusal r) noexcept;

// Which HOP request was refused: the same reason maps to a different status for RESERVE and CONNECT.
enum class RequestKind { reserve, connect };

// The circuit-v2 Status number to answer with (numbers, so this module needs no protobuf):
// reserve caps / rate / shutting_down -> RESERVATION_REFUSED 200; circuit caps / connect rate / shutting_down
// -> RESOURCE_LIMIT_EXCEEDED 201;
// acl, auth, self, relayed_source -> PERMISSION_DENIED 202; connection_failed 203; no_reservation 204;
// malformed 400; unexpected 401.
std::uint32_t hop_status(Refusal r, RequestKind kind) noexcept;

}  // namespace chiral::relay
