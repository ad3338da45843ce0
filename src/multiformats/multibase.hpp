// Multibase (multiformats/multibase): base16/32/36/58btc/64 codecs and prefix dispatch, as used by peer ids
// (base58btc, CIDv1 in base32 'b' / base36 'k') and multiaddr certhash values (base64url 'u').
#pragma once
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/result.hpp"

namespace chiral::multiformats {

enum class MultibaseError {
  ok = 0,
  empty = 1,              // no prefix character
  unknown_base = 2,       // prefix of a base we do not implement
  invalid_character = 3,  // character outside the alphabet
  invalid_length = 4,     // a length no encoder produces (e.g. 1 trailing base32 char)
  invalid_padding = 5,    // '=' where none belongs, or missing in a padded base
  too_large = 6,          // input above kMaxBigBaseChars (base58/base36 decoding is quadratic)
};

const boost::system::error_category& multibase_category() noexcept;
inline boost::system::error_code make_error_code(MultibaseError e) noexcept {
  return {static_cast<int>(e), multibase_category()};
}

namespace multibase {

// The prefix character is the enum value.
enum class Base : char {
  base16 = 'f',
  base16upper = 'F',
  base32 = 'b',  // RFC 4648 lowercase, no padding
  base32upper = 'B',
  base32pad = 'c',
  base32padupper = 'C',
  base36 = 'k',
  base36upper = 'K',
  base58btc = 'z',
  base64 = 'm',
  base64pad = 'M',
  base64url = 'u',
  base64urlpad = 'U',
};

// Bound on base58/base36 text we decode: the big-number conversion costs O(n^2).
inline constexpr std::size_t kMaxBigBaseChars = 2048;

// Text with its prefix character.
std::string encode(Base base, BytesView data);

struct Decoded {
  Base base;
  Bytes data;
};
// Dispatches on the prefix. base16/32/36 accept either letter case, as the multibase tests require.
Result<Decoded> decode(std::string_view text);

// Bare codecs (no prefix).
std::string encode_bare(Base base, BytesView data);
Result<Bytes> decode_bare(Base base, std::string_view text);

inline std::string base58btc_encode(BytesView data) { return encode_bare(Base::base58btc, data); }
inline Result<Bytes> base58btc_decode(std::string_view text) { return decode_bare(Base::base58btc, text); }
inline std::string base32_encode(BytesView data) { return encode_bare(Base::base32, data); }
inline Result<Bytes> base32_decode(std::string_view text) { return decode_bare(Base::base32, text); }
inline std::string base36_encode(BytesView data) { return encode_bare(Base::base36, data); }
inline Result<Bytes> base36_decode(std::string_view text) { return decode_bare(Base::base36, text); }

}  // namespace multibase
}  // namespace chiral::multiformats

namespace boost::system {
template <>
struct is_error_code_enum<chiral::multiformats::MultibaseError> : std::true_type {};
}  // namespace boost::system
