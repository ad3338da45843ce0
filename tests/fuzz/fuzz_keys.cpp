// PublicKey::from_protobuf (RSA DER, Ed25519, Secp256k1, ECDSA DER) and Ed25519PrivateKey::from_protobuf:
// accepted keys re-serialize deterministically and parse back equal; a loaded private key signs and its
// public key verifies the signature; verify() on an arbitrary signature never crashes.
#include <algorithm>

#include "crypto/keys.hpp"
#include "fuzz_check.hpp"

using namespace chiral;
using namespace chiral::crypto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const BytesView in = fuzz::input(data, size);
  if (auto key = PublicKey::from_protobuf(in)) {
    auto again = PublicKey::from_protobuf(key->to_protobuf());
    FUZZ_CHECK(again && *again == *key && again->to_protobuf() == key->to_protobuf());
    auto raw = PublicKey::from_raw(key->type(), key->raw());
    FUZZ_CHECK(raw && *raw == *key);
    (void)key->verify(in, in.last(std::min<std::size_t>(size, 72)));
  }
  if (auto priv = Ed25519PrivateKey::from_protobuf(in)) {
    auto again = Ed25519PrivateKey::from_protobuf(priv->to_protobuf());
    FUZZ_CHECK(again && again->public_key() == priv->public_key());
    FUZZ_CHECK(std::equal(again->seed().begin(), again->seed().end(), priv->seed().begin(), priv->seed().end()));
    const Bytes sig = priv->sign(in);
    FUZZ_CHECK(sig.size() == kEd25519SignatureSize && priv->public_key().verify(in, sig));
  }
  return 0;
}
