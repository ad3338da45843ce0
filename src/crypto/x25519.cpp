// X25519 via OpenSSL 3 EVP_PKEY raw keys (RFC 7748 section 5 and 6.1).
#include "crypto/x25519.hpp"

#include <cstdlib>
#include <memory>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace chiral::crypto {

namespace {
struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
}  // namespace

X25519KeyPair X25519KeyPair::generate() {
  X25519Key priv;
  if (RAND_bytes(priv.data(), static_cast<int>(priv.size())) != 1) std::abort();
  auto kp = from_private(priv.data());
  OPENSSL_cleanse(priv.data(), priv.size());
  return kp;
}

X25519KeyPair X25519KeyPair::from_private(const std::uint8_t priv[kX25519KeySize]) {
  X25519KeyPair kp;
  std::copy(priv, priv + kX25519KeySize, kp.priv.begin());
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, priv, kX25519KeySize));
  std::size_t len = kp.pub.size();
  // Only an allocation failure can make these fail for a 32-byte key.
  if (!key || EVP_PKEY_get_raw_public_key(key.get(), kp.pub.data(), &len) != 1 || len != kp.pub.size()) {
    std::abort();
  }
  return kp;
}

Result<X25519Key> x25519(const X25519Key& priv, const X25519Key& peer_pub) noexcept {
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, priv.data(), priv.size()));
  PkeyPtr peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_pub.data(), peer_pub.size()));
  if (!key || !peer) return PrimitiveError::openssl_failure;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1) {
    return PrimitiveError::openssl_failure;
  }
  X25519Key shared;
  std::size_t len = shared.size();
  // OpenSSL's X25519 derive itself fails on an all-zero result; the explicit check below keeps the
  // guarantee independent of that detail.
  if (EVP_PKEY_derive(ctx.get(), shared.data(), &len) != 1 || len != shared.size()) {
    return PrimitiveError::low_order_point;
  }
  std::uint8_t acc = 0;
  for (auto b : shared) acc |= b;
  if (acc == 0) return PrimitiveError::low_order_point;
  return shared;
}

}  // namespace chiral::crypto
