// SHA-256 via OpenSSL 3 EVP (see sha256.hpp).
#include "crypto/sha256.hpp"

#include <cstdlib>
#include <memory>

#include <openssl/evp.h>

namespace chiral::crypto {

namespace {
// Fetched once: explicit fetching skips the per-call provider lookup of EVP_sha256().
const EVP_MD* sha256_md() noexcept {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
}  // namespace

void sha256_multi(std::initializer_list<BytesView> parts, std::uint8_t out[kSha256Size]) noexcept {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  const EVP_MD* md = sha256_md();
  bool ok = ctx && md && EVP_DigestInit_ex(ctx.get(), md, nullptr) == 1;
  for (auto part : parts) {
    if (!ok) break;
    ok = EVP_DigestUpdate(ctx.get(), part.data(), part.size()) == 1;
  }
  unsigned int len = 0;
  ok = ok && EVP_DigestFinal_ex(ctx.get(), out, &len) == 1 && len == kSha256Size;
  // Only allocation failure inside OpenSSL gets here; a wrong digest would be worse than stopping.
  if (!ok) std::abort();
}

Sha256Digest sha256(BytesView data) noexcept {
  Sha256Digest d;
  sha256_multi({data}, d.data());
  return d;
}

}  // namespace chiral::crypto
