// multistream-select 1.0 listener side (multiformats/multistream-select; libp2p/specs connections/README.md
// "Protocol Negotiation"): expects the header, answers it, then echoes a supported proposal or says "na".
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "protocol/multistream/message.hpp"

namespace chiral::multistream {

// How many "na"/"ls" answers a dialer gets before we give up on it.
inline constexpr std::size_t kMaxListenerAttempts = 16;

class Listener {
 public:
  using Predicate = std::function<bool(std::string_view)>;

  // Supports exactly `protocols`; `ls` is answered with the same list.
  explicit Listener(std::vector<std::string> protocols);
  // Supports whatever `supports` accepts; `ls` is answered with `advertised`, or "na" when that is empty
  // (as go-multistream does).
  explicit Listener(Predicate supports, std::vector<std::string> advertised = {});

  // Optional: our header right away, before the dialer's arrives (go does this). Without start() the
  // header is sent in answer to the dialer's. Returns nothing when the header was already produced.
  Bytes start();

  // Consumes negotiation bytes and returns the bytes to send (header, "na", `ls` list, final echo).
  // Once done(), bytes that followed the dialer's accepted proposal are in leftover(): they belong to the
  // selected protocol. Further feed() calls after done() append to leftover() and return nothing.
  // Errors are sticky.
  Result<Bytes> feed(BytesView in);

  bool done() const noexcept { return state_ == State::done; }
  // The agreed protocol once done(), else empty.
  std::string_view selected() const noexcept { return selected_; }
  BytesView leftover() const noexcept { return leftover_; }
  Bytes take_leftover() noexcept { return std::move(leftover_); }
  // Proposals answered with "na" plus `ls` requests so far.
  std::size_t attempts() const noexcept { return attempts_; }

 private:
  enum class State { expect_header, expect_proposal, done, failed };

  Result<Bytes> fail(error_code ec);
  bool supports(std::string_view name) const;

  Predicate supports_;  // empty: the advertised list decides
  std::vector<std::string> advertised_;
  MessageDecoder decoder_;
  State state_ = State::expect_header;
  bool header_sent_ = false;
  std::size_t attempts_ = 0;
  std::string selected_;
  Bytes leftover_;
  error_code error_;
};

}  // namespace chiral::multistream
