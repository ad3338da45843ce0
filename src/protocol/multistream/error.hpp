// Error codes of the multistream-select 1.0 codec and state machines (multiformats/multistream-select).
#pragma once
#include <type_traits>

#include "core/error.hpp"

namespace chiral::multistream {

enum class MultistreamError {
  ok = 0,
  bad_header = 1,             // first message is not "/multistream/1.0.0"
  message_too_long = 2,       // length prefix announces more than kMaxMessageSize bytes
  missing_newline = 3,        // message is empty or does not end with '\n'
  invalid_length = 4,         // malformed (e.g. non-minimal) uvarint length prefix
  invalid_text = 5,           // message text is not UTF-8 or contains control characters
  invalid_protocol_name = 6,  // a local protocol name cannot be sent (no leading '/', too long, ...)
  no_protocol_in_common = 7,  // dialer: every proposal was answered with "na"
  too_many_attempts = 8,      // listener: the dialer kept proposing unsupported protocols / ls
  unexpected_message = 9,     // dialer: an answer that is neither our proposal's echo nor "na"
  not_started = 10,           // dialer: feed() before start()
};

const boost::system::error_category& multistream_category() noexcept;
inline boost::system::error_code make_error_code(MultistreamError e) noexcept {
  return {static_cast<int>(e), multistream_category()};
}

}  // namespace chiral::multistream

namespace boost::system {
template <>
struct is_error_code_enum<chiral::multistream::MultistreamError> : std::true_type {};
}  // namespace boost::system
