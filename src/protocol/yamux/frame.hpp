// Yamux frame header (hashicorp/yamux spec.md "Framing"): version u8, type u8, flags u16, stream id u32,
// length u32, all big-endian, 12 bytes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace chiral::yamux {

inline constexpr std::string_view kProtocolId = "/yamux/1.0.0";
inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::uint8_t kVersion = 0;
// Every stream starts with this window in both directions (spec "Flow Control").
inline constexpr std::uint32_t kDefaultWindow = 256 * 1024;

enum class FrameType : std::uint8_t { data = 0, window_update = 1, ping = 2, go_away = 3 };

namespace flags {
inline constexpr std::uint16_t syn = 0x1;
inline constexpr std::uint16_t ack = 0x2;
inline constexpr std::uint16_t fin = 0x4;
inline constexpr std::uint16_t rst = 0x8;
}  // namespace flags

enum class GoAwayCode : std::uint32_t { normal = 0, protocol_error = 1, internal_error = 2 };

struct Header {
  std::uint8_t version = kVersion;
  FrameType type = FrameType::data;
  std::uint16_t flags = 0;
  std::uint32_t stream_id = 0;
  // Data: body length; WindowUpdate: window delta; Ping: opaque value; GoAway: error code.
  std::uint32_t length = 0;

  bool has(std::uint16_t f) const noexcept { return (flags & f) == f; }
  friend bool operator==(const Header&, const Header&) = default;
};

// Writes exactly kHeaderSize bytes to out.
void encode_header(const Header& h, std::uint8_t* out) noexcept;
void append_header(Bytes& out, const Header& h);
// Decodes the first kHeaderSize bytes of `in`: CoreError::truncated when shorter, bad_version,
// bad_frame_type. Unknown flag bits are kept (and ignored by the session).
Result<Header> decode_header(BytesView in) noexcept;

}  // namespace chiral::yamux
