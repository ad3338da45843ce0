// HMAC-SHA256 (RFC 2104) and Noise's HKDF with 2 or 3 outputs (Noise spec rev 34, section 4.3).
#pragma once
#include <array>
#include <cstdint>

#include "core/bytes.hpp"
#include "crypto/sha256.hpp"

namespace chiral::crypto {

Sha256Digest hmac_sha256(BytesView key, BytesView data) noexcept;

// Noise HKDF(chaining_key, input_key_material, 2): temp_key = HMAC(ck, ikm), out1 = HMAC(temp_key, 0x01),
// out2 = HMAC(temp_key, out1 || 0x02).
struct Hkdf2 {
  Sha256Digest first;
  Sha256Digest second;
};
Hkdf2 noise_hkdf2(BytesView chaining_key, BytesView input_key_material) noexcept;

// As above plus out3 = HMAC(temp_key, out2 || 0x03).
struct Hkdf3 {
  Sha256Digest first;
  Sha256Digest second;
  Sha256Digest third;
};
Hkdf3 noise_hkdf3(BytesView chaining_key, BytesView input_key_material) noexcept;

}  // namespace chiral::crypto
