// Yamux frame header codec (hashicorp/yamux spec.md "Framing").
#include "protocol/yamux/frame.hpp"

#include "core/error.hpp"
#include "protocol/yamux/error.hpp"

namespace chiral::yamux {

namespace {
void put_u16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void put_u32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}
std::uint16_t get_u16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
std::uint32_t get_u32(const std::uint8_t* p) noexcept {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}
}  // namespace

void encode_header(const Header& h, std::uint8_t* out) noexcept {
  out[0] = h.version;
  out[1] = static_cast<std::uint8_t>(h.type);
  put_u16(out + 2, h.flags);
  put_u32(out + 4, h.stream_id);
  put_u32(out + 8, h.length);
}

void append_header(Bytes& out, const Header& h) {
  std::uint8_t buf[kHeaderSize];
  encode_header(h, buf);
  out.insert(out.end(), buf, buf + kHeaderSize);
}

Result<Header> decode_header(BytesView in) noexcept {
  if (in.size() < kHeaderSize) return make_error_code(CoreError::truncated);
  if (in[0] != kVersion) return make_error_code(YamuxError::bad_version);
  if (in[1] > static_cast<std::uint8_t>(FrameType::go_away))
    return make_error_code(YamuxError::bad_frame_type);
  Header h;
  h.version = in[0];
  h.type = static_cast<FrameType>(in[1]);
  h.flags = get_u16(in.data() + 2);
  h.stream_id = get_u32(in.data() + 4);
  h.length = get_u32(in.data() + 8);
  return h;
}

}  // namespace chiral::yamux
