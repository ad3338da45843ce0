// Multihash encoding and decoding (see multihash.hpp).
#include "multiformats/multihash.hpp"

#include "core/uvarint.hpp"
#include "crypto/sha256.hpp"

namespace chiral::multiformats {

namespace {
const char* multihash_message(MultihashError e) {
  switch (e) {
    case MultihashError::ok: return "ok";
    case MultihashError::truncated: return "multihash truncated";
    case MultihashError::trailing_bytes: return "bytes after the multihash digest";
    case MultihashError::invalid_varint: return "invalid uvarint in multihash";
    case MultihashError::too_large: return "multihash digest too large";
  }
  return "unknown multihash error";
}
}  // namespace

const boost::system::error_category& multihash_category() noexcept {
  static const EnumCategory<MultihashError> cat("chiral.multihash", multihash_message);
  return cat;
}

namespace multihash {

Result<View> decode(BytesView in) noexcept {
  auto code = uvarint::decode(in);
  if (!code) {
    return make_error_code(code.error() == make_error_code(CoreError::truncated) ? MultihashError::truncated
                                                                                : MultihashError::invalid_varint);
  }
  in = in.subspan(code->consumed);
  auto len = uvarint::decode(in);
  if (!len) {
    return make_error_code(len.error() == make_error_code(CoreError::truncated) ? MultihashError::truncated
                                                                               : MultihashError::invalid_varint);
  }
  in = in.subspan(len->consumed);
  if (len->value > kMaxDigestSize) return make_error_code(MultihashError::too_large);
  if (in.size() < len->value) return make_error_code(MultihashError::truncated);
  if (in.size() > len->value) return make_error_code(MultihashError::trailing_bytes);
  return View{code->value, in};
}

Bytes encode(std::uint64_t code, BytesView digest) {
  Bytes out;
  out.reserve(digest.size() + 4);
  uvarint::append(out, code);
  uvarint::append_frame(out, digest);
  return out;
}

Bytes sha2_256(BytesView data) {
  const auto d = crypto::sha256(data);
  return encode(kSha2_256, d);
}

}  // namespace multihash
}  // namespace chiral::multiformats
