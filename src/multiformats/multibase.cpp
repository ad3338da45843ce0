// Multibase codecs (see multibase.hpp): RFC 4648 bit-packing bases and big-number bases (base36, base58btc).
#include "multiformats/multibase.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace chiral::multiformats {

namespace {

const char* multibase_message(MultibaseError e) {
  switch (e) {
    case MultibaseError::ok: return "ok";
    case MultibaseError::empty: return "empty multibase string";
    case MultibaseError::unknown_base: return "unknown or unsupported multibase prefix";
    case MultibaseError::invalid_character: return "character outside the base alphabet";
    case MultibaseError::invalid_length: return "invalid encoded length";
    case MultibaseError::invalid_padding: return "invalid padding";
    case MultibaseError::too_large: return "encoded string too long";
  }
  return "unknown multibase error";
}

constexpr std::string_view kBase16 = "0123456789abcdef";
constexpr std::string_view kBase32 = "abcdefghijklmnopqrstuvwxyz234567";
constexpr std::string_view kBase36 = "0123456789abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kBase58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kBase64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct Spec {
  std::string_view alphabet;
  unsigned bits;          // bits per character for RFC 4648 bases; 0 for big-number bases
  bool upper;             // emit uppercase letters
  bool pad;               // '=' padding to a full block
  bool case_insensitive;  // decode either case
};

bool spec_for(multibase::Base base, Spec& s) {
  using multibase::Base;
  switch (base) {
    case Base::base16: s = {kBase16, 4, false, false, true}; return true;
    case Base::base16upper: s = {kBase16, 4, true, false, true}; return true;
    case Base::base32: s = {kBase32, 5, false, false, true}; return true;
    case Base::base32upper: s = {kBase32, 5, true, false, true}; return true;
    case Base::base32pad: s = {kBase32, 5, false, true, true}; return true;
    case Base::base32padupper: s = {kBase32, 5, true, true, true}; return true;
    case Base::base36: s = {kBase36, 0, false, false, true}; return true;
    case Base::base36upper: s = {kBase36, 0, true, false, true}; return true;
    case Base::base58btc: s = {kBase58, 0, false, false, false}; return true;
    case Base::base64: s = {kBase64, 6, false, false, false}; return true;
    case Base::base64pad: s = {kBase64, 6, false, true, false}; return true;
    case Base::base64url: s = {kBase64Url, 6, false, false, false}; return true;
    case Base::base64urlpad: s = {kBase64Url, 6, false, true, false}; return true;
  }
  return false;
}

char to_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }
char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Reverse lookup: character -> digit value, -1 when outside the alphabet.
std::array<int, 256> reverse_table(const Spec& s) {
  std::array<int, 256> t;
  t.fill(-1);
  for (std::size_t i = 0; i < s.alphabet.size(); ++i) {
    const char c = s.alphabet[i];
    t[static_cast<unsigned char>(c)] = static_cast<int>(i);
    if (s.case_insensitive) {
      t[static_cast<unsigned char>(to_upper(c))] = static_cast<int>(i);
      t[static_cast<unsigned char>(to_lower(c))] = static_cast<int>(i);
    }
  }
  return t;
}

// Characters in one padded block: 8 for base32, 4 for base64, 2 for base16.
std::size_t block_chars(unsigned bits) { return bits == 5 ? 8 : bits == 6 ? 4 : 2; }

std::string encode_rfc4648(const Spec& s, BytesView data) {
  std::string out;
  out.reserve((data.size() * 8 + s.bits - 1) / s.bits + 8);
  const unsigned mask = (1u << s.bits) - 1;
  std::uint32_t acc = 0;
  unsigned nbits = 0;
  for (auto byte : data) {
    acc = (acc << 8) | byte;
    nbits += 8;
    while (nbits >= s.bits) {
      nbits -= s.bits;
      out.push_back(s.alphabet[(acc >> nbits) & mask]);
    }
  }
  if (nbits > 0) out.push_back(s.alphabet[(acc << (s.bits - nbits)) & mask]);
  if (s.upper) std::transform(out.begin(), out.end(), out.begin(), to_upper);
  if (s.pad) {
    const std::size_t block = block_chars(s.bits);
    while (out.size() % block) out.push_back('=');
  }
  return out;
}

Result<Bytes> decode_rfc4648(const Spec& s, std::string_view text) {
  const std::size_t block = block_chars(s.bits);
  std::size_t end = text.size();
  if (s.pad) {
    if (text.size() % block) return make_error_code(MultibaseError::invalid_padding);
    while (end > 0 && text[end - 1] == '=') --end;
    if (text.size() - end >= block) return make_error_code(MultibaseError::invalid_padding);
  }
  // Lengths an encoder can leave in the final block: base32 {0,2,4,5,7}, base64 {0,2,3}, base16 {0}.
  const std::size_t rem = end % block;
  const bool valid_rem = s.bits == 5   ? (rem == 0 || rem == 2 || rem == 4 || rem == 5 || rem == 7)
                         : s.bits == 6 ? (rem != 1)
                                       : rem == 0;
  if (!valid_rem) return make_error_code(MultibaseError::invalid_length);

  const auto table = reverse_table(s);
  Bytes out;
  out.reserve(end * s.bits / 8);
  std::uint32_t acc = 0;
  unsigned nbits = 0;
  for (std::size_t i = 0; i < end; ++i) {
    const char c = text[i];
    if (c == '=') return make_error_code(MultibaseError::invalid_padding);
    const int v = table[static_cast<unsigned char>(c)];
    if (v < 0) return make_error_code(MultibaseError::invalid_character);
    acc = (acc << s.bits) | static_cast<std::uint32_t>(v);
    nbits += s.bits;
    if (nbits >= 8) {
      nbits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> nbits));
    }
  }
  // Leftover (< 8) bits are the encoder's zero fill; like go's decoders we do not insist they are zero.
  return out;
}

// Big-number bases: leading zero bytes map to leading alphabet[0] characters, the rest is the number.
std::string encode_bignum(const Spec& s, BytesView data) {
  const unsigned radix = static_cast<unsigned>(s.alphabet.size());
  std::size_t zeros = 0;
  while (zeros < data.size() && data[zeros] == 0) ++zeros;
  // Little-endian digits in `radix`.
  std::vector<std::uint8_t> digits;
  digits.reserve((data.size() - zeros) * 138 / 100 + 1);
  for (std::size_t i = zeros; i < data.size(); ++i) {
    unsigned carry = data[i];
    for (auto& d : digits) {
      carry += static_cast<unsigned>(d) << 8;
      d = static_cast<std::uint8_t>(carry % radix);
      carry /= radix;
    }
    while (carry) {
      digits.push_back(static_cast<std::uint8_t>(carry % radix));
      carry /= radix;
    }
  }
  std::string out(zeros, s.alphabet[0]);
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) out.push_back(s.alphabet[*it]);
  if (s.upper) std::transform(out.begin(), out.end(), out.begin(), to_upper);
  return out;
}

Result<Bytes> decode_bignum(const Spec& s, std::string_view text) {
  if (text.size() > multibase::kMaxBigBaseChars) return make_error_code(MultibaseError::too_large);
  const unsigned radix = static_cast<unsigned>(s.alphabet.size());
  const auto table = reverse_table(s);
  std::size_t zeros = 0;
  while (zeros < text.size() && table[static_cast<unsigned char>(text[zeros])] == 0) ++zeros;
  std::vector<std::uint8_t> bytes;  // little-endian
  bytes.reserve(text.size());
  for (std::size_t i = zeros; i < text.size(); ++i) {
    const int v = table[static_cast<unsigned char>(text[i])];
    if (v < 0) return make_error_code(MultibaseError::invalid_character);
    unsigned carry = static_cast<unsigned>(v);
    for (auto& b : bytes) {
      carry += static_cast<unsigned>(b) * radix;
      b = static_cast<std::uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    while (carry) {
      bytes.push_back(static_cast<std::uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }
  Bytes out(zeros, 0);
  out.insert(out.end(), bytes.rbegin(), bytes.rend());
  return out;
}

}  // namespace

const boost::system::error_category& multibase_category() noexcept {
  static const EnumCategory<MultibaseError> cat("chiral.multibase", multibase_message);
  return cat;
}

namespace multibase {

std::string encode_bare(Base base, BytesView data) {
  Spec s{};
  if (!spec_for(base, s)) return {};
  return s.bits ? encode_rfc4648(s, data) : encode_bignum(s, data);
}

Result<Bytes> decode_bare(Base base, std::string_view text) {
  Spec s{};
  if (!spec_for(base, s)) return make_error_code(MultibaseError::unknown_base);
  return s.bits ? decode_rfc4648(s, text) : decode_bignum(s, text);
}

std::string encode(Base base, BytesView data) {
  std::string out(1, static_cast<char>(base));
  out += encode_bare(base, data);
  return out;
}

Result<Decoded> decode(std::string_view text) {
  if (text.empty()) return make_error_code(MultibaseError::empty);
  const auto base = static_cast<Base>(text[0]);
  Spec s{};
  if (!spec_for(base, s)) return make_error_code(MultibaseError::unknown_base);
  auto data = decode_bare(base, text.substr(1));
  if (!data) return data.error();
  return Decoded{base, std::move(*data)};
}

}  // namespace multibase
}  // namespace chiral::multiformats
