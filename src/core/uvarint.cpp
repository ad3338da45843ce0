#include "core/uvarint.hpp"

#include "core/error.hpp"

namespace chiral::uvarint {

Result<Decoded> decode(BytesView in) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (i >= kMaxBytes) return make_error_code(CoreError::varint_overflow);
    const std::uint8_t b = in[i];
    v |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      if (b == 0 && i > 0) return make_error_code(CoreError::varint_not_minimal);
      return Decoded{v, i + 1};
    }
  }
  if (in.size() >= kMaxBytes) return make_error_code(CoreError::varint_overflow);
  return make_error_code(CoreError::truncated);
}

std::size_t encoded_size(std::uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

std::size_t encode_to(std::uint64_t v, std::uint8_t* out) noexcept {
  std::size_t n = 0;
  while (v >= 0x80) {
    out[n++] = static_cast<std::uint8_t>(v | 0x80);
    v >>= 7;
  }
  out[n++] = static_cast<std::uint8_t>(v);
  return n;
}

void append(Bytes& out, std::uint64_t v) {
  std::uint8_t tmp[10];
  const auto n = encode_to(v, tmp);
  out.insert(out.end(), tmp, tmp + n);
}

Bytes encode(std::uint64_t v) {
  Bytes out;
  append(out, v);
  return out;
}

Result<Frame> decode_frame(BytesView in, std::size_t max_len) noexcept {
  auto len = decode(in);
  if (!len) return len.error();
  if (len->value > max_len) return make_error_code(CoreError::too_large);
  const std::size_t total = len->consumed + static_cast<std::size_t>(len->value);
  if (in.size() < total) return make_error_code(CoreError::truncated);
  return Frame{in.subspan(len->consumed, static_cast<std::size_t>(len->value)), total};
}

void append_frame(Bytes& out, BytesView body) {
  append(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
}

}  // namespace chiral::uvarint
