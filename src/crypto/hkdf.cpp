// HMAC-SHA256 via OpenSSL 3 EVP_MAC and Noise HKDF (Noise spec rev 34, section 4.3).
#include "crypto/hkdf.hpp"

#include <cstdlib>
#include <cstring>
#include <memory>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace chiral::crypto {

namespace {

// Fetched once; an implicit fetch per call would cost a provider lookup each time.
EVP_MAC* hmac_mac() noexcept {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) std::abort();
  return mac;
}

struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
};

// HMAC over up to two data pieces. Failures are allocation failures only: abort like operator new.
Sha256Digest hmac_two(BytesView key, BytesView a, BytesView b) noexcept {
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(hmac_mac()));
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  // EVP_MAC_init treats a null key as "keep the previous key"; give it a valid pointer for empty keys.
  static const std::uint8_t kEmpty[1] = {0};
  const std::uint8_t* key_ptr = key.empty() ? kEmpty : key.data();
  Sha256Digest out;
  std::size_t out_len = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), key_ptr, key.size(), params) != 1 ||
      (!a.empty() && EVP_MAC_update(ctx.get(), a.data(), a.size()) != 1) ||
      (!b.empty() && EVP_MAC_update(ctx.get(), b.data(), b.size()) != 1) ||
      EVP_MAC_final(ctx.get(), out.data(), &out_len, out.size()) != 1 || out_len != out.size()) {
    std::abort();
  }
  return out;
}

}  // namespace

Sha256Digest hmac_sha256(BytesView key, BytesView data) noexcept { return hmac_two(key, data, {}); }

Hkdf2 noise_hkdf2(BytesView chaining_key, BytesView input_key_material) noexcept {
  Sha256Digest temp_key = hmac_two(chaining_key, input_key_material, {});
  static constexpr std::uint8_t kOne[1] = {0x01};
  static constexpr std::uint8_t kTwo[1] = {0x02};
  Hkdf2 out;
  out.first = hmac_two(temp_key, kOne, {});
  out.second = hmac_two(temp_key, out.first, kTwo);
  OPENSSL_cleanse(temp_key.data(), temp_key.size());
  return out;
}

Hkdf3 noise_hkdf3(BytesView chaining_key, BytesView input_key_material) noexcept {
  Sha256Digest temp_key = hmac_two(chaining_key, input_key_material, {});
  static constexpr std::uint8_t kOne[1] = {0x01};
  static constexpr std::uint8_t kTwo[1] = {0x02};
  static constexpr std::uint8_t kThree[1] = {0x03};
  Hkdf3 out;
  out.first = hmac_two(temp_key, kOne, {});
  out.second = hmac_two(temp_key, out.first, kTwo);
  out.third = hmac_two(temp_key, out.second, kThree);
  OPENSSL_cleanse(temp_key.data(), temp_key.size());
  return out;
}

}  // namespace chiral::crypto
