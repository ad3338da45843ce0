// X25519 Diffie-Hellman (RFC 7748 section 5; Noise spec section 12.1 "The 25519 DH functions") via OpenSSL 3.
#pragma once
#include <array>
#include <cstdint>

#include "core/result.hpp"
#include "crypto/primitive_error.hpp"

namespace chiral::crypto {

inline constexpr std::size_t kX25519KeySize = 32;
using X25519Key = std::array<std::uint8_t, kX25519KeySize>;

struct X25519KeyPair {
  X25519Key priv{};
  X25519Key pub{};

  // Fresh key pair from the OpenSSL CSPRNG. Aborts if the CSPRNG fails (nothing sensible can continue).
  static X25519KeyPair generate();
  // Derives the public key; the private key is used as given (X25519 clamps internally).
  static X25519KeyPair from_private(const std::uint8_t priv[kX25519KeySize]);
};

// X25519(priv, peer_pub). PrimitiveError::low_order_point when the result is all zero (peer sent a
// low-order point), which Noise allows us to reject and which would otherwise leak nothing but waste work.
Result<X25519Key> x25519(const X25519Key& priv, const X25519Key& peer_pub) noexcept;

}  // namespace chiral::crypto
