// multistream-select 1.0 message codec (multiformats/multistream-select README, "ls example in detail").
#include "protocol/multistream/message.hpp"

#include "core/error.hpp"
#include "core/uvarint.hpp"
#include "protocol/multistream/error.hpp"

namespace chiral::multistream {

bool is_printable_utf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const std::uint8_t*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const std::uint8_t c = p[i];
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    std::uint32_t min;
    if ((c & 0xe0) == 0xc0) {
      len = 2, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const std::uint8_t cc = p[i + k];
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

bool is_valid_protocol_name(std::string_view name) noexcept {
  return !name.empty() && name.front() == '/' && name.size() + 1 <= kMaxMessageSize &&
         is_printable_utf8(name);
}

void append_message(Bytes& out, std::string_view text) {
  uvarint::append(out, text.size() + 1);
  append(out, as_bytes(text));
  out.push_back('\n');
}

Bytes encode_message(std::string_view text) {
  Bytes out;
  append_message(out, text);
  return out;
}

void append_ls_response(Bytes& out, std::span<const std::string> protocols) {
  Bytes entries;
  for (const auto& p : protocols) append_message(entries, p);
  append_message(out, as_string_view(entries));
}

Result<std::vector<std::string>> decode_ls_response(std::string_view text) {
  std::vector<std::string> names;
  BytesView rest = as_bytes(text);
  while (!rest.empty()) {
    auto frame = uvarint::decode_frame(rest, kMaxMessageSize);
    if (!frame) {
      if (frame.error() == make_error_code(CoreError::too_large))
        return make_error_code(MultistreamError::message_too_long);
      return make_error_code(MultistreamError::invalid_length);
    }
    auto body = frame->body;
    if (body.empty() || body.back() != '\n') return make_error_code(MultistreamError::missing_newline);
    auto name = as_string_view(body.first(body.size() - 1));
    if (!is_printable_utf8(name)) return make_error_code(MultistreamError::invalid_text);
    names.emplace_back(name);
    rest = rest.subspan(frame->consumed);
  }
  return names;
}

void MessageDecoder::feed(BytesView in) { append(buf_, in); }

Result<std::optional<std::string>> MessageDecoder::next() {
  BytesView avail = buf_;
  if (avail.empty()) return std::optional<std::string>{};
  // Reject an oversize prefix before it is complete: k continuation bytes of a minimal uvarint mean a
  // value of at least 2^(7k).
  for (std::size_t k = 1; k <= avail.size() && k < uvarint::kMaxBytes && (avail[k - 1] & 0x80); ++k) {
    if ((std::uint64_t{1} << (7 * k)) > max_message_)
      return make_error_code(MultistreamError::message_too_long);
  }
  auto frame = uvarint::decode_frame(avail, max_message_);
  if (!frame) {
    const auto ec = frame.error();
    if (ec == make_error_code(CoreError::truncated)) return std::optional<std::string>{};
    if (ec == make_error_code(CoreError::too_large))
      return make_error_code(MultistreamError::message_too_long);
    return make_error_code(MultistreamError::invalid_length);
  }
  const auto body = frame->body;
  if (body.empty() || body.back() != '\n') return make_error_code(MultistreamError::missing_newline);
  std::string text(as_string_view(body.first(body.size() - 1)));
  buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(frame->consumed));
  return std::optional<std::string>(std::move(text));
}

}  // namespace chiral::multistream
