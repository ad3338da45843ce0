// Category for PrimitiveError (see primitive_error.hpp).
#include "crypto/primitive_error.hpp"

namespace chiral::crypto {

namespace {
const char* primitive_message(PrimitiveError e) {
  switch (e) {
    case PrimitiveError::ok: return "ok";
    case PrimitiveError::auth_failed: return "AEAD authentication failed";
    case PrimitiveError::low_order_point: return "X25519 shared secret is all zero (low-order point)";
    case PrimitiveError::openssl_failure: return "OpenSSL primitive failed";
  }
  return "unknown crypto primitive error";
}
}  // namespace

const boost::system::error_category& primitive_category() noexcept {
  static const EnumCategory<PrimitiveError> cat("chiral.crypto.primitive", primitive_message);
  return cat;
}

}  // namespace chiral::crypto
