// Noise SymmetricState (Noise spec rev 34, section 5.2) for the SHA256 hash and ChaChaPoly cipher.
#pragma once
#include <string_view>
#include <utility>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/hkdf.hpp"
#include "protocol/noise/cipher_state.hpp"

namespace chiral::noise {

class SymmetricState {
 public:
  // InitializeSymmetric(protocol_name): h = name padded to 32 bytes, or SHA256(name) if longer; ck = h.
  explicit SymmetricState(std::string_view protocol_name) noexcept;
  ~SymmetricState();
  SymmetricState(SymmetricState&&) noexcept = default;
  SymmetricState& operator=(SymmetricState&&) noexcept = default;

  void mix_key(BytesView input_key_material) noexcept;
  void mix_hash(BytesView data) noexcept;
  void mix_key_and_hash(BytesView input_key_material) noexcept;  // for psk tokens (unused by XX)

  // EncryptAndHash: appends the ciphertext (plaintext + 16 bytes once a key is set) to `out`.
  Result<void> encrypt_and_hash(BytesView plaintext, Bytes& out);
  // DecryptAndHash: appends the plaintext to `out`.
  Result<void> decrypt_and_hash(BytesView ciphertext, Bytes& out);

  // Split(): first = key for initiator -> responder, second = responder -> initiator.
  std::pair<CipherState, CipherState> split() noexcept;

  bool has_key() const noexcept { return cipher_.has_key(); }
  const crypto::Sha256Digest& handshake_hash() const noexcept { return h_; }

 private:
  CipherState cipher_;
  crypto::Sha256Digest ck_{};
  crypto::Sha256Digest h_{};
};

}  // namespace chiral::noise
