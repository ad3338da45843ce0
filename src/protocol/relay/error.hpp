// Error codes of the Circuit Relay v2 message codec (libp2p/specs relay/circuit-v2.md "Protobuf").
#pragma once
#include <type_traits>

#include "core/error.hpp"

namespace chiral::relay_proto {

// Every decode error is answered with MALFORMED_MESSAGE by a relay.
enum class RelayProtoError {
  ok = 0,
  too_large = 1,        // message above kMaxMessageSize
  malformed = 2,        // not a protobuf of the expected message
  missing_type = 3,     // type absent, or a value this version does not know (proto2 enums are closed)
  missing_peer = 4,     // CONNECT without peer
  invalid_peer_id = 5,  // peer.id absent or not a peer id multihash
  missing_status = 6,   // STATUS without a (known) status
  missing_expire = 7,   // reservation without expire
};

const boost::system::error_category& relay_proto_category() noexcept;
inline boost::system::error_code make_error_code(RelayProtoError e) noexcept {
  return {static_cast<int>(e), relay_proto_category()};
}

}  // namespace chiral::relay_proto

namespace boost::system {
template <>
struct is_error_code_enum<chiral::relay_proto::RelayProtoError> : std::true_type {};
}  // namespace boost::system
