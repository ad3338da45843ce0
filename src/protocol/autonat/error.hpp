// Error codes of the AutoNAT v1/v2 codecs and dial-data accounting (libp2p/specs autonat/autonat-v2.md,
// autonat-v1.md).
#pragma once
#include <type_traits>

#include "core/error.hpp"

namespace chiral::autonat {

enum class AutonatError {
  ok = 0,
  too_large = 1,           // message above kMaxMessageSize
  malformed = 2,           // not a protobuf of the expected message
  empty_message = 3,       // v2 Message with no oneof member set
  missing_type = 4,        // v1 Message without a (known) type
  chunk_too_large = 5,     // DialDataResponse data above kMaxDialDataChunk
  chunk_too_small = 6,     // a non-final DialDataResponse under kMinNonFinalChunk data bytes
  unexpected_message = 7,  // a message that does not belong at this step
};

const boost::system::error_category& autonat_category() noexcept;
inline boost::system::error_code make_error_code(AutonatError e) noexcept {
  return {static_cast<int>(e), autonat_category()};
}

}  // namespace chiral::autonat

namespace boost::system {
template <>
struct is_error_code_enum<chiral::autonat::AutonatError> : std::true_type {};
}  // namespace boost::system
