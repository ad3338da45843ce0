// multistream-select 1.0 dialer state machine (multiformats/multistream-select).
#include "protocol/multistream/dialer.hpp"

#include "protocol/multistream/error.hpp"

namespace chiral::multistream {

Dialer::Dialer(std::vector<std::string> protocols, bool lazy)
    : protocols_(std::move(protocols)), lazy_(lazy) {}

Result<Bytes> Dialer::fail(error_code ec) {
  state_ = State::failed;
  error_ = ec;
  return ec;
}

Result<Bytes> Dialer::start() {
  if (state_ == State::failed) return error_;
  if (state_ != State::idle) return Bytes{};
  if (protocols_.empty()) return fail(make_error_code(MultistreamError::no_protocol_in_common));
  for (const auto& p : protocols_)
    if (!is_valid_protocol_name(p)) return fail(make_error_code(MultistreamError::invalid_protocol_name));
  Bytes out;
  append_message(out, kProtocolId);
  append_message(out, protocols_[0]);
  state_ = State::expect_header;
  return out;
}

bool Dialer::may_send() const noexcept {
  if (state_ == State::done) return true;
  const bool outstanding = state_ == State::expect_header || state_ == State::expect_answer;
  return lazy_ && outstanding && current_ + 1 == protocols_.size();
}

std::string_view Dialer::selected() const noexcept {
  if (!may_send()) return {};
  return protocols_[current_];
}

Result<Bytes> Dialer::feed(BytesView in) {
  if (state_ == State::failed) return error_;
  if (state_ == State::idle) return make_error_code(MultistreamError::not_started);
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
      state_ = State::expect_answer;
      continue;
    }
    if (text == protocols_[current_]) {
      state_ = State::done;
      leftover_ = decoder_.take_remainder();
      break;
    }
    if (text != kNa) return fail(make_error_code(MultistreamError::unexpected_message));
    if (++current_ == protocols_.size())
      return fail(make_error_code(MultistreamError::no_protocol_in_common));
    append_message(out, protocols_[current_]);
  }
  return out;
}

}  // namespace chiral::multistream
