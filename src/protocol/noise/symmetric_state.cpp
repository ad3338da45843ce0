// Noise SymmetricState (Noise spec rev 34, section 5.2).
#include "protocol/noise/symmetric_state.hpp"

#include <algorithm>

#include <openssl/crypto.h>

namespace chiral::noise {

SymmetricState::SymmetricState(std::string_view protocol_name) noexcept {
  if (protocol_name.size() <= h_.size()) {
    std::copy(protocol_name.begin(), protocol_name.end(), h_.begin());  // rest stays zero
  } else {
    h_ = crypto::sha256(as_bytes(protocol_name));
  }
  ck_ = h_;
}

SymmetricState::~SymmetricState() { OPENSSL_cleanse(ck_.data(), ck_.size()); }

void SymmetricState::mix_key(BytesView input_key_material) noexcept {
  auto out = crypto::noise_hkdf2(ck_, input_key_material);
  ck_ = out.first;
  cipher_.initialize_key(out.second);  // HASHLEN == 32: no truncation needed
  OPENSSL_cleanse(out.second.data(), out.second.size());
}

void SymmetricState::mix_hash(BytesView data) noexcept {
  crypto::Sha256Digest next;
  crypto::sha256_multi({h_, data}, next.data());
  h_ = next;
}

void SymmetricState::mix_key_and_hash(BytesView input_key_material) noexcept {
  auto out = crypto::noise_hkdf3(ck_, input_key_material);
  ck_ = out.first;
  mix_hash(out.second);
  cipher_.initialize_key(out.third);
  OPENSSL_cleanse(out.third.data(), out.third.size());
}

Result<void> SymmetricState::encrypt_and_hash(BytesView plaintext, Bytes& out) {
  const std::size_t start = out.size();
  out.resize(start + plaintext.size() + (has_key() ? kTagSize : 0));
  auto r = cipher_.encrypt_with_ad(h_, plaintext, out.data() + start);
  if (!r) {
    out.resize(start);
    return r.error();
  }
  mix_hash(BytesView(out.data() + start, *r));
  return {};
}

Result<void> SymmetricState::decrypt_and_hash(BytesView ciphertext, Bytes& out) {
  if (has_key() && ciphertext.size() < kTagSize) return NoiseError::message_too_short;
  const std::size_t start = out.size();
  out.resize(start + ciphertext.size() - (has_key() ? kTagSize : 0));
  auto r = cipher_.decrypt_with_ad(h_, ciphertext, out.data() + start);
  if (!r) {
    out.resize(start);
    return r.error();
  }
  mix_hash(ciphertext);
  return {};
}

std::pair<CipherState, CipherState> SymmetricState::split() noexcept {
  auto keys = crypto::noise_hkdf2(ck_, {});
  std::pair<CipherState, CipherState> out;
  out.first.initialize_key(keys.first);
  out.second.initialize_key(keys.second);
  OPENSSL_cleanse(keys.first.data(), keys.first.size());
  OPENSSL_cleanse(keys.second.data(), keys.second.size());
  return out;
}

}  // namespace chiral::noise
