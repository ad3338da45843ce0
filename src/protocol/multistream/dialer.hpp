// multistream-select 1.0 dialer side (multiformats/multistream-select; libp2p/specs connections/README.md):
// sends header + first proposal in one write, moves to the next proposal on "na".
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "protocol/multistream/message.hpp"

namespace chiral::multistream {

class Dialer {
 public:
  // Proposals in order of preference. `lazy` (rust V1Lazy / go lazy client): once the LAST proposal is
  // outstanding the caller may already write protocol data; the listener's header and echo are then
  // checked as they arrive.
  explicit Dialer(std::vector<std::string> protocols, bool lazy = false);

  // Header + first proposal, to be sent in one write. Fails when there are no proposals or one of them
  // is not a valid protocol name. A second call returns nothing.
  Result<Bytes> start();

  // Consumes the listener's answers; returns the next proposal to send after an "na" (or nothing).
  // Once done(), bytes that followed the echo are in leftover(). feed() after done() appends to
  // leftover(). Errors are sticky: no_protocol_in_common when every proposal was refused.
  Result<Bytes> feed(BytesView in);

  // The listener confirmed selected().
  bool done() const noexcept { return state_ == State::done; }
  // Protocol data may be written now: done(), or lazy with the last proposal outstanding.
  bool may_send() const noexcept;
  // The confirmed protocol, or in lazy mode the optimistic one while may_send(); else empty.
  std::string_view selected() const noexcept;
  BytesView leftover() const noexcept { return leftover_; }
  Bytes take_leftover() noexcept { return std::move(leftover_); }

 private:
  enum class State { idle, expect_header, expect_answer, done, failed };

  Result<Bytes> fail(error_code ec);

  std::vector<std::string> protocols_;
  bool lazy_;
  std::size_t current_ = 0;
  MessageDecoder decoder_;
  State state_ = State::idle;
  Bytes leftover_;
  error_code error_;
};

}  // namespace chiral::multistream
