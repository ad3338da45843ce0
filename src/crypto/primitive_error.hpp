// Error codes of the symmetric/DH primitives (x25519.hpp, chachapoly.hpp) with their boost::system category.
#pragma once
#include "core/error.hpp"

namespace chiral::crypto {

enum class PrimitiveError {
  ok = 0,
  auth_failed = 1,      // AEAD tag did not verify (RFC 8439 section 2.8)
  low_order_point = 2,  // X25519 result all zero (RFC 7748 section 6.1)
  openssl_failure = 3,  // an OpenSSL call failed for a reason other than the two above
};

const boost::system::error_category& primitive_category() noexcept;
inline boost::system::error_code make_error_code(PrimitiveError e) noexcept {
  return {static_cast<int>(e), primitive_category()};
}

}  // namespace chiral::crypto

namespace boost::system {
template <>
struct is_error_code_enum<chiral::crypto::PrimitiveError> : std::true_type {};
}  // namespace boost::system
