// HOP and STOP messages of Circuit Relay v2 (libp2p/specs relay/circuit-v2.md "Hop Protocol", "Stop Protocol",
// "Protobuf") as plain structs, and their protobuf codec. One message per uvarint frame; the caller frames.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "protocol/relay/constants.hpp"
#include "protocol/relay/error.hpp"

namespace chiral::relay_proto {

// Enumerators carry the spec's names and wire values.
enum class HopType : int { RESERVE = 0, CONNECT = 1, STATUS = 2 };
enum class StopType : int { CONNECT = 0, STATUS = 1 };
enum class Status : int {
  UNUSED = 0,
  OK = 100,
  RESERVATION_REFUSED = 200,
  RESOURCE_LIMIT_EXCEEDED = 201,
  PERMISSION_DENIED = 202,
  CONNECTION_FAILED = 203,
  NO_RESERVATION = 204,
  MALFORMED_MESSAGE = 400,
  UNEXPECTED_MESSAGE = 401,
};

std::string_view status_name(Status s) noexcept;  // "OK", "NO_RESERVATION", ...
std::string_view hop_type_name(HopType t) noexcept;
std::string_view stop_type_name(StopType t) noexcept;

// Limits of a relayed connection; 0 means no limit for that dimension.
struct Limit {
  std::uint32_t duration_s = 0;
  std::uint64_t data_bytes = 0;  // per direction
  bool unlimited() const noexcept { return duration_s == 0 && data_bytes == 0; }
  bool operator==(const Limit&) const = default;
};

struct PeerInfo {
  Bytes id{};                  // peer id multihash bytes (validated by decode)
  std::vector<Bytes> addrs{};  // binary multiaddrs, kept as received
  bool operator==(const PeerInfo&) const = default;
};

struct Reservation {
  std::uint64_t expire = 0;    // unix seconds
  std::vector<Bytes> addrs{};  // relay addrs with /p2p/<relay>
  Bytes voucher{};             // serialized signed envelope; empty = none
  bool operator==(const Reservation&) const = default;
};

struct HopMessage {
  HopType type = HopType::RESERVE;
  std::optional<PeerInfo> peer{};
  std::optional<Reservation> reservation{};
  std::optional<Limit> limit{};
  std::optional<Status> status{};
  bool operator==(const HopMessage&) const = default;
};

struct StopMessage {
  StopType type = StopType::CONNECT;
  std::optional<PeerInfo> peer{};
  std::optional<Limit> limit{};
  std::optional<Status> status{};
  bool operator==(const StopMessage&) const = default;
};

// Protobuf encoding, at most kMaxMessageSize bytes. `type` is always written (RESERVE is `08 00`).
// A Limit that is unlimited in both dimensions is left out (go marks any connection that came with a
// Limit as "limited"); inside a Limit a 0 dimension is left out (absent and 0 both mean no limit).
// An empty voucher is left out. When the message would exceed kMaxMessageSize, trailing reservation
// addrs, then trailing peer addrs, are dropped; the voucher and ids are never dropped.
Bytes encode_hop(const HopMessage& msg);
Bytes encode_stop(const StopMessage& msg);

// Parses one message body (without its length prefix). Requires: size <= kMaxMessageSize, a known type,
// peer on CONNECT, a known status on STATUS, a valid peer id whenever peer is present, expire whenever
// reservation is present. Fields that do not belong to the type are returned as received.
Result<HopMessage> decode_hop(BytesView body);
Result<StopMessage> decode_stop(BytesView body);

}  // namespace chiral::relay_proto
