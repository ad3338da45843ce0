// Dial-data accounting (libp2p/specs autonat/autonat-v2.md "Amplification Attack Prevention").
#include "protocol/autonat/dial_data.hpp"

#include <algorithm>

namespace chiral::autonat {

std::uint64_t dial_data_amount(std::uint64_t random) noexcept {
  return kMinDialDataBytes + random % (kMaxDialDataBytes - kMinDialDataBytes);
}

DialDataReceiver::DialDataReceiver(std::uint64_t required) noexcept
    : required_(std::clamp(required, kMinDialDataBytes, kMaxDialDataBytes)) {}

Result<DialDataReceiver::Step> DialDataReceiver::on_chunk(std::size_t data_len) noexcept {
  if (failed_) return make_error_code(AutonatError::unexpected_message);
  if (received_ >= required_) {
    failed_ = true;
    return make_error_code(AutonatError::unexpected_message);
  }
  if (data_len > kMaxDialDataChunk) {
    failed_ = true;
    return make_error_code(AutonatError::chunk_too_large);
  }
  ++chunks_;
  received_ += data_len;
  if (received_ >= required_) return Step::done;
  // Not the last chunk: it must be worth the parse.
  if (data_len < kMinNonFinalChunk) {
    failed_ = true;
    return make_error_code(AutonatError::chunk_too_small);
  }
  return Step::need_more;
}

}  // namespace chiral::autonat
