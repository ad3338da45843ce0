// Dial-data accounting of AutoNAT v2 amplification attack prevention (libp2p/specs
// autonat/autonat-v2.md "Amplification Attack Prevention"): the server asks for numBytes in
// [30000, 100000] and counts only the `data` bytes of DialDataResponse messages until it has at least
// that many. Chunks carry at most 4096 data bytes; a chunk under 100 bytes that does not complete the
// amount is refused (as go does). No clock here: the driver puts the whole exchange under a deadline.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/result.hpp"
#include "protocol/autonat/constants.hpp"
#include "protocol/autonat/error.hpp"

namespace chiral::autonat {

// Maps any 64-bit random value onto [kMinDialDataBytes, kMaxDialDataBytes).
std::uint64_t dial_data_amount(std::uint64_t random) noexcept;

class DialDataReceiver {
 public:
  enum class Step { need_more, done };

  // `required` is clamped into [kMinDialDataBytes, kMaxDialDataBytes].
  explicit DialDataReceiver(std::uint64_t required) noexcept;

  // Accounts one DialDataResponse carrying `data_len` bytes. chunk_too_large / chunk_too_small end the
  // exchange (the receiver stays failed); after done, further chunks are unexpected_message.
  Result<Step> on_chunk(std::size_t data_len) noexcept;

  std::uint64_t required() const noexcept { return required_; }
  std::uint64_t received() const noexcept { return received_; }
  std::uint64_t remaining() const noexcept { return received_ >= required_ ? 0 : required_ - received_; }
  std::size_t chunks() const noexcept { return chunks_; }
  bool done() const noexcept { return received_ >= required_ && !failed_; }
  bool failed() const noexcept { return failed_; }

 private:
  std::uint64_t required_;
  std::uint64_t received_ = 0;
  std::size_t chunks_ = 0;
  bool failed_ = false;
};

}  // namespace chiral::autonat
