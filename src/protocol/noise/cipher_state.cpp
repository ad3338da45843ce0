// Noise CipherState (Noise spec rev 34, section 5.1).
#include "protocol/noise/cipher_state.hpp"

#include <cstring>

#include <openssl/crypto.h>

namespace chiral::noise {

void CipherState::initialize_key(const CipherKey& key) noexcept {
  if (cipher_) {
    cipher_->set_key(key.data());
  } else {
    cipher_.emplace(key.data());
  }
  n_ = 0;
}

Result<std::size_t> CipherState::encrypt_with_ad(BytesView ad, BytesView plaintext, std::uint8_t* out) noexcept {
  if (!cipher_) {
    if (!plaintext.empty() && out != plaintext.data()) std::memmove(out, plaintext.data(), plaintext.size());
    return plaintext.size();
  }
  if (n_ == kMaxNonce) return NoiseError::nonce_exhausted;
  const std::size_t written = cipher_->encrypt(n_, ad, plaintext, out);
  ++n_;
  return written;
}

Result<std::size_t> CipherState::decrypt_with_ad(BytesView ad, BytesView ciphertext, std::uint8_t* out) noexcept {
  if (!cipher_) {
    if (!ciphertext.empty() && out != ciphertext.data()) std::memmove(out, ciphertext.data(), ciphertext.size());
    return ciphertext.size();
  }
  if (n_ == kMaxNonce) return NoiseError::nonce_exhausted;
  auto r = cipher_->decrypt(n_, ad, ciphertext, out);
  if (!r) return NoiseError::decrypt_failed;
  ++n_;
  return *r;
}

void CipherState::rekey() noexcept {
  if (!cipher_) return;
  std::array<std::uint8_t, kKeySize + kTagSize> block{};
  cipher_->encrypt(kMaxNonce, {}, BytesView(block.data(), kKeySize), block.data());
  cipher_->set_key(block.data());
  OPENSSL_cleanse(block.data(), block.size());
}

}  // namespace chiral::noise
