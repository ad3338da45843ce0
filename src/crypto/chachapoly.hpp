// ChaCha20-Poly1305 AEAD (RFC 8439 section 2.8) with Noise's nonce encoding (Noise spec section 12.3).
#pragma once
#include <array>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/primitive_error.hpp"

struct evp_cipher_ctx_st;  // EVP_CIPHER_CTX, kept out of this header

namespace chiral::crypto {

inline constexpr std::size_t kChaChaPolyKeySize = 32;
inline constexpr std::size_t kChaChaPolyNonceSize = 12;
inline constexpr std::size_t kChaChaPolyTagSize = 16;

// One key, reused for many messages: the OpenSSL contexts are created on first use per direction and
// afterwards only the nonce is re-initialised, so the per-message cost is the cipher work itself.
// Not thread-safe (one instance per connection direction). OpenSSL failures other than tag mismatch can
// only come from allocation failure and abort the process, like operator new would.
class ChaChaPoly {
 public:
  explicit ChaChaPoly(const std::uint8_t key[kChaChaPolyKeySize]) noexcept;
  ~ChaChaPoly();
  ChaChaPoly(ChaChaPoly&& other) noexcept;
  ChaChaPoly& operator=(ChaChaPoly&& other) noexcept;
  ChaChaPoly(const ChaChaPoly&) = delete;
  ChaChaPoly& operator=(const ChaChaPoly&) = delete;

  // Replaces the key, keeping the contexts (used by Noise MixKey/Rekey).
  void set_key(const std::uint8_t key[kChaChaPolyKeySize]) noexcept;

  // Noise ENCRYPT(k, n, ad, plaintext): nonce = 4 zero bytes || n little-endian. Writes
  // plaintext.size() + 16 bytes (ciphertext then tag) to `out`; `out` may equal plaintext.data().
  std::size_t encrypt(std::uint64_t nonce, BytesView ad, BytesView plaintext, std::uint8_t* out) noexcept;
  // Noise DECRYPT: writes ciphertext_with_tag.size() - 16 bytes; `out` may equal the input's data().
  // PrimitiveError::auth_failed on a bad tag or an input shorter than the tag (then `out` is zeroed).
  Result<std::size_t> decrypt(std::uint64_t nonce, BytesView ad, BytesView ciphertext_with_tag,
                              std::uint8_t* out) noexcept;

  // Same with a raw 96-bit RFC 8439 nonce (for the RFC vectors and non-Noise users).
  std::size_t encrypt_raw(const std::uint8_t nonce[kChaChaPolyNonceSize], BytesView ad, BytesView plaintext,
                          std::uint8_t* out) noexcept;
  Result<std::size_t> decrypt_raw(const std::uint8_t nonce[kChaChaPolyNonceSize], BytesView ad,
                                  BytesView ciphertext_with_tag, std::uint8_t* out) noexcept;

 private:
  evp_cipher_ctx_st* context(bool encrypt) noexcept;
  void release() noexcept;

  std::array<std::uint8_t, kChaChaPolyKeySize> key_{};
  evp_cipher_ctx_st* enc_ctx_ = nullptr;
  evp_cipher_ctx_st* dec_ctx_ = nullptr;
};

// Noise's 12-byte nonce for counter n (Noise spec section 12.3).
std::array<std::uint8_t, kChaChaPolyNonceSize> noise_nonce(std::uint64_t n) noexcept;

}  // namespace chiral::crypto
