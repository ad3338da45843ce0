// SHA-256 (FIPS 180-4) through OpenSSL 3 EVP: sha2-256 multihashes, ECDSA/RSA message digests, Noise hashing.
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>

#include "core/bytes.hpp"

namespace chiral::crypto {

inline constexpr std::size_t kSha256Size = 32;
using Sha256Digest = std::array<std::uint8_t, kSha256Size>;

Sha256Digest sha256(BytesView data) noexcept;
// Hash of the concatenation of `parts`, without building the concatenation.
void sha256_multi(std::initializer_list<BytesView> parts, std::uint8_t out[kSha256Size]) noexcept;

}  // namespace chiral::crypto
