// Multihash (multiformats/multihash): uvarint code, uvarint digest length, digest. Only identity (0x00) and
// sha2-256 (0x12) are produced; decoding accepts any code (certhash values carry other hashes).
#pragma once
#include <cstdint>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/result.hpp"

namespace chiral::multiformats {

enum class MultihashError {
  ok = 0,
  truncated = 1,        // input ends before the announced digest length
  trailing_bytes = 2,   // bytes after the digest
  invalid_varint = 3,   // code or length is not a minimal uvarint
  too_large = 4,        // digest length above kMaxDigestSize
};

const boost::system::error_category& multihash_category() noexcept;
inline boost::system::error_code make_error_code(MultihashError e) noexcept {
  return {static_cast<int>(e), multihash_category()};
}

namespace multihash {

inline constexpr std::uint64_t kIdentity = 0x00;
inline constexpr std::uint64_t kSha2_256 = 0x12;
inline constexpr std::size_t kMaxDigestSize = 1024;  // multiaddrs are bounded to 1024 bytes anyway

struct View {
  std::uint64_t code;
  BytesView digest;  // points into the decoded input
};

// The whole input must be exactly one multihash.
Result<View> decode(BytesView multihash) noexcept;

Bytes encode(std::uint64_t code, BytesView digest);
inline Bytes identity(BytesView data) { return encode(kIdentity, data); }
Bytes sha2_256(BytesView data);  // hashes `data`

}  // namespace multihash
}  // namespace chiral::multiformats

namespace boost::system {
template <>
struct is_error_code_enum<chiral::multiformats::MultihashError> : std::true_type {};
}  // namespace boost::system
