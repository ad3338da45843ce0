// AutoNAT v1 messages (libp2p/specs autonat/autonat-v1.md "RPC messages") as plain structs and their
// proto2 codec. One message per uvarint frame; the caller frames.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "protocol/autonat/constants.hpp"
#include "protocol/autonat/error.hpp"

namespace chiral::autonat::v1 {

enum class MessageType : int { DIAL = 0, DIAL_RESPONSE = 1 };
enum class ResponseStatus : int {
  OK = 0,
  E_DIAL_ERROR = 100,
  E_DIAL_REFUSED = 101,
  E_BAD_REQUEST = 200,
  E_INTERNAL_ERROR = 300,
};

std::string_view response_status_name(ResponseStatus s) noexcept;

struct PeerInfo {
  std::optional<Bytes> id{};   // peer id multihash, as received (not validated by the codec)
  std::vector<Bytes> addrs{};  // binary multiaddrs, as received
  bool operator==(const PeerInfo&) const = default;
};

struct Dial {
  std::optional<PeerInfo> peer{};
  bool operator==(const Dial&) const = default;
};

struct DialResponse {
  std::optional<ResponseStatus> status{};
  std::string status_text{};  // left out when empty
  std::optional<Bytes> addr{};
  bool operator==(const DialResponse&) const = default;
};

struct Message {
  MessageType type = MessageType::DIAL;
  std::optional<Dial> dial{};
  std::optional<DialResponse> dial_response{};
  bool operator==(const Message&) const = default;
};

// `type` is always written (DIAL is `08 00`), a set status too (OK is `08 00` inside DialResponse).
// Status text is cut so that the message stays within kMaxSendSize.
Bytes encode(const Message& msg);
// too_large above kMaxMessageSize, malformed when not a Message protobuf, missing_type when type is
// absent or unknown (proto2 enums are closed: unknown values are not kept). An unknown status inside a
// DialResponse leaves `status` empty.
Result<Message> decode(BytesView body);

}  // namespace chiral::autonat::v1
