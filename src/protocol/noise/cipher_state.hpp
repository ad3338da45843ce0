// Noise CipherState (Noise spec rev 34, section 5.1): an optional key k and a 64-bit nonce n.
#pragma once
#include <array>
#include <cstdint>
#include <limits>
#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/chachapoly.hpp"
#include "protocol/noise/error.hpp"

namespace chiral::noise {

inline constexpr std::size_t kKeySize = 32;
inline constexpr std::size_t kTagSize = crypto::kChaChaPolyTagSize;
using CipherKey = std::array<std::uint8_t, kKeySize>;

class CipherState {
 public:
  // n = 2^64-1 is reserved for Rekey (section 5.1): using it is NoiseError::nonce_exhausted.
  static constexpr std::uint64_t kMaxNonce = std::numeric_limits<std::uint64_t>::max();

  CipherState() = default;  // empty key: EncryptWithAd/DecryptWithAd copy the plaintext through

  void initialize_key(const CipherKey& key) noexcept;  // InitializeKey: k = key, n = 0
  bool has_key() const noexcept { return cipher_.has_value(); }
  void set_nonce(std::uint64_t n) noexcept { n_ = n; }
  std::uint64_t nonce() const noexcept { return n_; }

  // Writes plaintext.size() bytes, + 16 when has_key(), to `out` (which may equal plaintext.data()).
  Result<std::size_t> encrypt_with_ad(BytesView ad, BytesView plaintext, std::uint8_t* out) noexcept;
  // Writes ciphertext.size() bytes, - 16 when has_key(); on failure n is unchanged (section 5.1).
  Result<std::size_t> decrypt_with_ad(BytesView ad, BytesView ciphertext, std::uint8_t* out) noexcept;

  // Rekey(): k = first 32 bytes of ENCRYPT(k, 2^64-1, zerolen, 32 zero bytes) (sections 4.2, 11.3).
  void rekey() noexcept;

 private:
  std::optional<crypto::ChaChaPoly> cipher_;
  std::uint64_t n_ = 0;
};

}  // namespace chiral::noise
