// AutoNAT v2 messages (libp2p/specs autonat/autonat-v2.md "RPC Messages") as plain structs and their
// protobuf codec. One message per uvarint frame; the caller frames. Unknown enum values survive a decode
// (proto3 enums are open) so a peer's status can be logged and rejected by the caller.
#pragma once
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "protocol/autonat/constants.hpp"
#include "protocol/autonat/error.hpp"

namespace chiral::autonat::v2 {

// Enumerators carry the spec's names and wire values.
enum class ResponseStatus : int { E_INTERNAL_ERROR = 0, E_REQUEST_REJECTED = 100, E_DIAL_REFUSED = 101, OK = 200 };
enum class DialStatus : int { UNUSED = 0, E_DIAL_ERROR = 100, E_DIAL_BACK_ERROR = 101, OK = 200 };
enum class DialBackStatus : int { OK = 0 };

std::string_view response_status_name(ResponseStatus s) noexcept;
std::string_view dial_status_name(DialStatus s) noexcept;

struct DialRequest {
  std::vector<Bytes> addrs{};  // binary multiaddrs, in the client's priority order, kept as received
  std::uint64_t nonce = 0;
  bool operator==(const DialRequest&) const = default;
};

struct DialResponse {
  ResponseStatus status = ResponseStatus::E_INTERNAL_ERROR;
  std::uint32_t addr_idx = 0;
  DialStatus dial_status = DialStatus::UNUSED;
  bool operator==(const DialResponse&) const = default;
};

struct DialDataRequest {
  std::uint32_t addr_idx = 0;
  std::uint64_t num_bytes = 0;
  bool operator==(const DialDataRequest&) const = default;
};

struct DialDataResponse {
  Bytes data{};
  bool operator==(const DialDataResponse&) const = default;
};

// The `Message` oneof of the dial-request stream.
using Message = std::variant<DialRequest, DialResponse, DialDataRequest, DialDataResponse>;

// Messages of the dial-back stream (sent bare, not inside Message).
struct DialBack {
  std::uint64_t nonce = 0;
  bool operator==(const DialBack&) const = default;
};
struct DialBackResponse {
  DialBackStatus status = DialBackStatus::OK;
  bool operator==(const DialBackResponse&) const = default;
};

Bytes encode_message(const Message& msg);
// A Message carrying DialDataResponse{data} with `data_len` zero bytes, without building the struct
// (what a client sends as its dial-data chunks).
Bytes encode_dial_data_chunk(std::size_t data_len);
Bytes encode_dial_back(const DialBack& msg);
Bytes encode_dial_back_response(const DialBackResponse& msg);

// Parses one message body (without its length prefix). too_large above kMaxMessageSize, malformed when
// it is not a protobuf of that type, empty_message when no oneof member is set.
Result<Message> decode_message(BytesView body);
Result<DialBack> decode_dial_back(BytesView body);
Result<DialBackResponse> decode_dial_back_response(BytesView body);

}  // namespace chiral::autonat::v2
