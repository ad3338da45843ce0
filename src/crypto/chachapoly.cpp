// ChaCha20-Poly1305 through OpenSSL 3 EVP with long-lived contexts (RFC 8439 section 2.8, Noise section 12.3).
#include "crypto/chachapoly.hpp"

#include <climits>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace chiral::crypto {

namespace {

// Fetched once: passing EVP_chacha20_poly1305() to every init would redo an implicit provider fetch.
const EVP_CIPHER* chachapoly_cipher() noexcept {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
  if (cipher == nullptr) std::abort();
  return cipher;
}

constexpr std::size_t kMaxUpdate = std::size_t{1} << 30;  // EVP_CipherUpdate takes int lengths

// Feeds `in` (AD when out == nullptr) through the context in int-sized pieces.
bool update(EVP_CIPHER_CTX* ctx, std::uint8_t* out, const std::uint8_t* in, std::size_t len) noexcept {
  while (len > 0) {
    const std::size_t chunk = len < kMaxUpdate ? len : kMaxUpdate;
    int written = 0;
    if (EVP_CipherUpdate(ctx, out, &written, in, static_cast<int>(chunk)) != 1) return false;
    in += chunk;
    if (out != nullptr) out += chunk;
    len -= chunk;
  }
  return true;
}

}  // namespace

std::array<std::uint8_t, kChaChaPolyNonceSize> noise_nonce(std::uint64_t n) noexcept {
  std::array<std::uint8_t, kChaChaPolyNonceSize> nonce{};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(n >> (8 * i));
  return nonce;
}

ChaChaPoly::ChaChaPoly(const std::uint8_t key[kChaChaPolyKeySize]) noexcept {
  std::memcpy(key_.data(), key, key_.size());
}

ChaChaPoly::~ChaChaPoly() { release(); }

ChaChaPoly::ChaChaPoly(ChaChaPoly&& other) noexcept
    : key_(other.key_), enc_ctx_(std::exchange(other.enc_ctx_, nullptr)),
      dec_ctx_(std::exchange(other.dec_ctx_, nullptr)) {
  OPENSSL_cleanse(other.key_.data(), other.key_.size());
}

ChaChaPoly& ChaChaPoly::operator=(ChaChaPoly&& other) noexcept {
  if (this != &other) {
    release();
    key_ = other.key_;
    OPENSSL_cleanse(other.key_.data(), other.key_.size());
    enc_ctx_ = std::exchange(other.enc_ctx_, nullptr);
    dec_ctx_ = std::exchange(other.dec_ctx_, nullptr);
  }
  return *this;
}

void ChaChaPoly::release() noexcept {
  EVP_CIPHER_CTX_free(enc_ctx_);  // also cleanses the key schedule
  EVP_CIPHER_CTX_free(dec_ctx_);
  enc_ctx_ = dec_ctx_ = nullptr;
  OPENSSL_cleanse(key_.data(), key_.size());
}

void ChaChaPoly::set_key(const std::uint8_t key[kChaChaPolyKeySize]) noexcept {
  std::memcpy(key_.data(), key, key_.size());
  if (enc_ctx_ != nullptr && EVP_CipherInit_ex2(enc_ctx_, nullptr, key_.data(), nullptr, 1, nullptr) != 1) {
    std::abort();
  }
  if (dec_ctx_ != nullptr && EVP_CipherInit_ex2(dec_ctx_, nullptr, key_.data(), nullptr, 0, nullptr) != 1) {
    std::abort();
  }
}

EVP_CIPHER_CTX* ChaChaPoly::context(bool encrypt) noexcept {
  EVP_CIPHER_CTX*& ctx = encrypt ? enc_ctx_ : dec_ctx_;
  if (ctx == nullptr) {
    ctx = EVP_CIPHER_CTX_new();
    if (ctx == nullptr ||
        EVP_CipherInit_ex2(ctx, chachapoly_cipher(), key_.data(), nullptr, encrypt ? 1 : 0, nullptr) != 1) {
      std::abort();
    }
  }
  return ctx;
}

std::size_t ChaChaPoly::encrypt(std::uint64_t nonce, BytesView ad, BytesView plaintext,
                                std::uint8_t* out) noexcept {
  const auto n = noise_nonce(nonce);
  return encrypt_raw(n.data(), ad, plaintext, out);
}

Result<std::size_t> ChaChaPoly::decrypt(std::uint64_t nonce, BytesView ad, BytesView ciphertext_with_tag,
                                        std::uint8_t* out) noexcept {
  const auto n = noise_nonce(nonce);
  return decrypt_raw(n.data(), ad, ciphertext_with_tag, out);
}

std::size_t ChaChaPoly::encrypt_raw(const std::uint8_t nonce[kChaChaPolyNonceSize], BytesView ad,
                                    BytesView plaintext, std::uint8_t* out) noexcept {
  EVP_CIPHER_CTX* ctx = context(true);
  int final_len = 0;
  // Re-initialising with only an IV keeps the key and resets the AEAD state.
  if (EVP_CipherInit_ex2(ctx, nullptr, nullptr, nonce, 1, nullptr) != 1 ||
      !update(ctx, nullptr, ad.data(), ad.size()) ||
      !update(ctx, out, plaintext.data(), plaintext.size()) ||
      EVP_CipherFinal_ex(ctx, out + plaintext.size(), &final_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, kChaChaPolyTagSize, out + plaintext.size()) != 1) {
    std::abort();
  }
  return plaintext.size() + kChaChaPolyTagSize;
}

Result<std::size_t> ChaChaPoly::decrypt_raw(const std::uint8_t nonce[kChaChaPolyNonceSize], BytesView ad,
                                            BytesView ciphertext_with_tag, std::uint8_t* out) noexcept {
  if (ciphertext_with_tag.size() < kChaChaPolyTagSize) return PrimitiveError::auth_failed;
  const std::size_t len = ciphertext_with_tag.size() - kChaChaPolyTagSize;
  std::uint8_t tag[kChaChaPolyTagSize];
  std::memcpy(tag, ciphertext_with_tag.data() + len, kChaChaPolyTagSize);
  EVP_CIPHER_CTX* ctx = context(false);
  if (EVP_CipherInit_ex2(ctx, nullptr, nullptr, nonce, 0, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, kChaChaPolyTagSize, tag) != 1 ||
      !update(ctx, nullptr, ad.data(), ad.size()) || !update(ctx, out, ciphertext_with_tag.data(), len)) {
    std::abort();
  }
  int final_len = 0;
  std::uint8_t unused = 0;  // Final writes nothing for a stream cipher but wants a valid pointer
  if (EVP_CipherFinal_ex(ctx, out != nullptr ? out + len : &unused, &final_len) != 1) {
    if (len > 0) OPENSSL_cleanse(out, len);  // never hand out unauthenticated plaintext
    return PrimitiveError::auth_failed;
  }
  return len;
}

}  // namespace chiral::crypto
