// Error category for multistream-select 1.0.
#include "protocol/multistream/error.hpp"

namespace chiral::multistream {

namespace {
const char* multistream_message(MultistreamError e) {
  switch (e) {
    case MultistreamError::ok: return "ok";
    case MultistreamError::bad_header: return "multistream header expected";
    case MultistreamError::message_too_long: return "multistream message too long";
    case MultistreamError::missing_newline: return "multistream message without trailing newline";
    case MultistreamError::invalid_length: return "malformed multistream length prefix";
    case MultistreamError::invalid_text: return "multistream message is not printable UTF-8";
    case MultistreamError::invalid_protocol_name: return "invalid protocol name";
    case MultistreamError::no_protocol_in_common: return "no protocol in common";
    case MultistreamError::too_many_attempts: return "too many rejected protocol proposals";
    case MultistreamError::unexpected_message: return "unexpected multistream message";
    case MultistreamError::not_started: return "multistream dialer not started";
  }
  return "unknown multistream error";
}
}  // namespace

const boost::system::error_category& multistream_category() noexcept {
  static const EnumCategory<MultistreamError> cat("chiral.multistream", multistream_message);
  return cat;
}

}  // namespace chiral::multistream
