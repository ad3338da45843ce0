// multistream-select 1.0 listener state machine (multiformats/multistream-select).
#include "protocol/multistream/listener.hpp"

#include <algorithm>

#include "protocol/multistream/error.hpp"

namespace chiral::multistream {

Listener::Listener(std::vector<std::string> protocols) : advertised_(std::move(protocols)) {}

Listener::Listener(Predicate supports, std::vector<std::string> advertised)
    : supports_(std::move(supports)), advertised_(std::move(advertised)) {}

bool Listener::supports(std::string_view name) const {
  if (supports_) return supports_(name);
  return std::find(advertised_.begin(), advertised_.end(), name) != advertised_.end();
}

Bytes Listener::start() {
  Bytes out;
  if (!header_sent_ && state_ != State::failed) {
    append_message(out, kProtocolId);
    header_sent_ = true;
  }
  return out;
}

Result<Bytes> Listener::fail(error_code ec) {
  state_ = State::failed;
  error_ = ec;
  return ec;
}

Result<Bytes> Listener::feed(BytesView in) {
  if (state_ == State::failed) return error_;
  if (state_ == State::done) {
    append(leftover_, in);
    return Bytes{};
  }
  decoder_.feed(in);
  Bytes out;
  while (state_ != State::done) {
    auto msg = decoder_.next();
    if (!msg) return fail(msg.error());
    if (!*msg) break;
    const std::string& text = **msg;
    if (!is_printable_utf8(text)) return fail(make_error_code(MultistreamError::invalid_text));

    if (state_ == State::expect_header) {
      if (text != kProtocolId) return fail(make_error_code(MultistreamError::bad_header));
      if (!header_sent_) {
        append_message(out, kProtocolId);
        header_sent_ = true;
      }
      state_ = State::expect_proposal;
      continue;
    }

    // Names must start with '/'; anything else (including a stray "na") is simply not available.
    const bool is_ls = text == kLs;
    if (!is_ls && is_valid_protocol_name(text) && supports(text)) {
      append_message(out, text);
      selected_ = text;
      state_ = State::done;
      leftover_ = decoder_.take_remainder();
      break;
    }
    if (++attempts_ > kMaxListenerAttempts)
      return fail(make_error_code(MultistreamError::too_many_attempts));
    if (is_ls && !advertised_.empty()) {
      std::vector<std::string> valid;
      for (const auto& p : advertised_)
        if (is_valid_protocol_name(p)) valid.push_back(p);
      append_ls_response(out, valid);
    } else {
      append_message(out, kNa);
    }
  }
  return out;
}

}  // namespace chiral::multistream
