// Error category for Yamux.
#include "protocol/yamux/error.hpp"

namespace chiral::yamux {

namespace {
const char* yamux_message(YamuxError e) {
  switch (e) {
    case YamuxError::ok: return "ok";
    case YamuxError::bad_version: return "yamux: unsupported version";
    case YamuxError::bad_frame_type: return "yamux: unknown frame type";
    case YamuxError::invalid_stream_id: return "yamux: invalid stream id in SYN";
    case YamuxError::duplicate_stream: return "yamux: duplicate stream";
    case YamuxError::window_exceeded: return "yamux: receive window exceeded";
    case YamuxError::frame_too_large: return "yamux: data frame too large";
    case YamuxError::session_failed: return "yamux: session failed";
    case YamuxError::too_many_streams: return "yamux: too many streams";
    case YamuxError::ack_backlog_full: return "yamux: too many unacknowledged streams";
    case YamuxError::stream_ids_exhausted: return "yamux: stream ids exhausted";
    case YamuxError::went_away: return "yamux: session is going away";
  }
  return "yamux: unknown error";
}
}  // namespace

const boost::system::error_category& yamux_category() noexcept {
  static const EnumCategory<YamuxError> cat("chiral.yamux", yamux_message);
  return cat;
}

}  // namespace chiral::yamux
