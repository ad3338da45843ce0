// Error codes of the Yamux frame codec and session (hashicorp/yamux spec.md).
#pragma once
#include <type_traits>

#include "core/error.hpp"

namespace chiral::yamux {

enum class YamuxError {
  ok = 0,
  bad_version = 1,           // header version is not 0
  bad_frame_type = 2,        // type is not Data, WindowUpdate, Ping or GoAway
  invalid_stream_id = 3,     // SYN with stream id 0 or with our parity
  duplicate_stream = 4,      // SYN for a stream that is open
  window_exceeded = 5,       // Data beyond the receive window we granted
  frame_too_large = 6,       // Data frame longer than any window we would grant
  session_failed = 7,        // the session already saw a protocol error
  too_many_streams = 8,      // open_stream: Config::max_streams reached
  ack_backlog_full = 9,      // open_stream: too many of our streams are not ACKed yet
  stream_ids_exhausted = 10, // open_stream: the 32-bit id space is used up
  went_away = 11,            // open_stream after a GoAway (sent or received)
};

const boost::system::error_category& yamux_category() noexcept;
inline boost::system::error_code make_error_code(YamuxError e) noexcept {
  return {static_cast<int>(e), yamux_category()};
}

}  // namespace chiral::yamux

namespace boost::system {
template <>
struct is_error_code_enum<chiral::yamux::YamuxError> : std::true_type {};
}  // namespace boost::system
