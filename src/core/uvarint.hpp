// Unsigned varint (multiformats/unsigned-varint): LEB128, at most 9 bytes (63 bits), minimal encoding only.
#pragma once
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace chiral::uvarint {

inline constexpr std::size_t kMaxBytes = 9;

struct Decoded {
  std::uint64_t value;
  std::size_t consumed;
};

// Decodes one uvarint at the start of `in`. CoreError::truncated when `in` ends inside it
// (a stream parser should then wait for more bytes), varint_overflow / varint_not_minimal otherwise.
Result<Decoded> decode(BytesView in) noexcept;

std::size_t encoded_size(std::uint64_t v) noexcept;
// Writes into `out` (must have room for encoded_size(v) bytes); returns bytes written.
std::size_t encode_to(std::uint64_t v, std::uint8_t* out) noexcept;
void append(Bytes& out, std::uint64_t v);
Bytes encode(std::uint64_t v);

// A length-prefixed frame (uvarint length + body), as used by multistream, identify, relay, autonat.
struct Frame {
  BytesView body;
  std::size_t consumed;  // prefix + body
};
// truncated when incomplete; too_large when the announced length exceeds max_len (check happens before
// the body arrives, so an attacker cannot make us buffer more than max_len + 9 bytes).
Result<Frame> decode_frame(BytesView in, std::size_t max_len) noexcept;
void append_frame(Bytes& out, BytesView body);

}  // namespace chiral::uvarint
