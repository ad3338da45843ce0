// Messages and category of RelayProtoError.
#include "protocol/relay/error.hpp"

namespace chiral::relay_proto {

namespace {
const char* relay_proto_message(RelayProtoError e) {
  switch (e) {
    case RelayProtoError::ok: return "ok";
    case RelayProtoError::too_large: return "relay message too large";
    case RelayProtoError::malformed: return "malformed relay message";
    case RelayProtoError::missing_type: return "relay message type missing or unknown";
    case RelayProtoError::missing_peer: return "CONNECT without peer";
    case RelayProtoError::invalid_peer_id: return "relay message peer id missing or invalid";
    case RelayProtoError::missing_status: return "STATUS without a known status";
    case RelayProtoError::missing_expire: return "reservation without expire";
  }
  return "unknown relay protocol error";
}
}  // namespace

const boost::system::error_category& relay_proto_category() noexcept {
  static const EnumCategory<RelayProtoError> cat("chiral.relay_proto", relay_proto_message);
  return cat;
}

}  // namespace chiral::relay_proto
