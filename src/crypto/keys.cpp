// libp2p key encodings and signatures on OpenSSL 3 EVP (libp2p/specs peer-ids/peer-ids.md "Key Types").
#include "crypto/keys.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "core/uvarint.hpp"
#include "proto/keys.pb.h"

namespace chiral::crypto {

namespace {

const char* key_message(KeyError e) {
  switch (e) {
    case KeyError::ok: return "ok";
    case KeyError::malformed_protobuf: return "malformed key protobuf";
    case KeyError::unsupported_key_type: return "unsupported key type";
    case KeyError::invalid_key_length: return "invalid key length";
    case KeyError::invalid_key: return "invalid key material";
    case KeyError::key_size_out_of_range: return "RSA key size outside 2048..8192 bits";
    case KeyError::unsupported_curve: return "unsupported ECDSA curve";
    case KeyError::key_mismatch: return "public key does not match private key";
    case KeyError::too_large: return "serialized key too large";
    case KeyError::openssl_failure: return "OpenSSL failure";
  }
  return "unknown key error";
}

struct PkeyFree {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

constexpr std::size_t kEd25519KeySize = 32;
constexpr std::size_t kSecp256k1CompressedSize = 33;

bool valid_key_type(int t) { return t >= 0 && t <= 3; }

// Type and Data, written by hand so the bytes are exactly the spec's deterministic form.
Bytes encode_key_protobuf(KeyType type, BytesView data) {
  Bytes out;
  out.reserve(data.size() + 8);
  out.push_back(0x08);  // field 1, varint
  uvarint::append(out, static_cast<std::uint64_t>(type));
  out.push_back(0x12);  // field 2, length-delimited
  uvarint::append_frame(out, data);
  return out;
}

// Runs the OpenSSL public-key check (point on the curve, not infinity, right order).
bool ec_public_check(EVP_PKEY* pkey) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  return ctx && EVP_PKEY_public_check(ctx.get()) == 1;
}

Result<PkeyPtr> import_secp256k1(BytesView data) {
  if (data.size() != kSecp256k1CompressedSize) return make_error_code(KeyError::invalid_key_length);
  if (data[0] != 0x02 && data[0] != 0x03) return make_error_code(KeyError::invalid_key);
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return make_error_code(KeyError::openssl_failure);
  char group[] = "secp256k1";
  Bytes point(data.begin(), data.end());
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end(),
  };
  EVP_PKEY* raw = nullptr;
  // fromdata decompresses the point and fails when x has no square root (not on the curve).
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1 || raw == nullptr)
    return make_error_code(KeyError::invalid_key);
  PkeyPtr pkey(raw);
  if (!ec_public_check(pkey.get())) return make_error_code(KeyError::invalid_key);
  return pkey;
}

// DER SubjectPublicKeyInfo; all input must be consumed.
Result<PkeyPtr> import_spki(BytesView data) {
  if (data.empty()) return make_error_code(KeyError::invalid_key_length);
  if (data.size() > kMaxKeyProtobufSize) return make_error_code(KeyError::too_large);
  const unsigned char* p = data.data();
  PkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(data.size())));
  if (!pkey || p != data.data() + data.size()) return make_error_code(KeyError::invalid_key);
  return pkey;
}

Result<PkeyPtr> import_rsa(BytesView data) {
  auto pkey = import_spki(data);
  if (!pkey) return pkey.error();
  // "RSA" only: an RSASSA-PSS SubjectPublicKeyInfo is a different algorithm from what libp2p signs with.
  if (!EVP_PKEY_is_a(pkey->get(), "RSA")) return make_error_code(KeyError::invalid_key);
  const int bits = EVP_PKEY_get_bits(pkey->get());
  if (bits < static_cast<int>(kMinRsaBits) || bits > static_cast<int>(kMaxRsaBits))
    return make_error_code(KeyError::key_size_out_of_range);
  return pkey;
}

Result<PkeyPtr> import_ecdsa(BytesView data) {
  auto pkey = import_spki(data);
  if (!pkey) return pkey.error();
  if (!EVP_PKEY_is_a(pkey->get(), "EC")) return make_error_code(KeyError::invalid_key);
  char group[64] = {};
  std::size_t len = 0;
  // Explicit-parameter curves have no group name and are refused here too.
  if (EVP_PKEY_get_group_name(pkey->get(), group, sizeof group, &len) != 1)
    return make_error_code(KeyError::unsupported_curve);
  const std::string_view name(group, len);
  if (name != "prime256v1" && name != "P-256" && name != "secp384r1" && name != "P-384" &&
      name != "secp521r1" && name != "P-521")
    return make_error_code(KeyError::unsupported_curve);
  if (!ec_public_check(pkey->get())) return make_error_code(KeyError::invalid_key);
  return pkey;
}

Result<PkeyPtr> import_ed25519(BytesView data) {
  if (data.size() != kEd25519KeySize) return make_error_code(KeyError::invalid_key_length);
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, data.data(), data.size()));
  if (!pkey) return make_error_code(KeyError::invalid_key);
  return pkey;
}

}  // namespace

std::string_view key_type_name(KeyType t) noexcept {
  switch (t) {
    case KeyType::rsa: return "RSA";
    case KeyType::ed25519: return "Ed25519";
    case KeyType::secp256k1: return "Secp256k1";
    case KeyType::ecdsa: return "ECDSA";
  }
  return "unknown";
}

const boost::system::error_category& key_category() noexcept {
  static const EnumCategory<KeyError> cat("chiral.crypto.keys", key_message);
  return cat;
}

// ---------------------------------------------------------------------------------------------------------
// PublicKey

struct PublicKey::Impl {
  KeyType type;
  Bytes raw;
  std::shared_ptr<EVP_PKEY> pkey;
};

Result<PublicKey> PublicKey::from_raw(KeyType type, BytesView data) {
  Result<PkeyPtr> pkey = make_error_code(KeyError::unsupported_key_type);
  switch (type) {
    case KeyType::ed25519: pkey = import_ed25519(data); break;
    case KeyType::secp256k1: pkey = import_secp256k1(data); break;
    case KeyType::rsa: pkey = import_rsa(data); break;
    case KeyType::ecdsa: pkey = import_ecdsa(data); break;
  }
  if (!pkey) return pkey.error();
  auto impl = std::make_shared<Impl>();
  impl->type = type;
  impl->raw.assign(data.begin(), data.end());
  impl->pkey = std::shared_ptr<EVP_PKEY>(pkey->release(), PkeyFree{});
  return PublicKey(std::move(impl));
}

Result<PublicKey> PublicKey::from_protobuf(BytesView serialized) {
  if (serialized.size() > kMaxKeyProtobufSize) return make_error_code(KeyError::too_large);
  pb::PublicKey msg;
  // Partial parse + our own presence check: ParseFromArray would log every malformed peer key to stderr.
  if (!msg.ParsePartialFromArray(serialized.data(), static_cast<int>(serialized.size())) || !msg.has_type() ||
      !msg.has_data())
    return make_error_code(KeyError::malformed_protobuf);
  if (!valid_key_type(msg.type())) return make_error_code(KeyError::unsupported_key_type);
  return from_raw(static_cast<KeyType>(msg.type()), as_bytes(msg.data()));
}

KeyType PublicKey::type() const noexcept { return impl_->type; }
BytesView PublicKey::raw() const noexcept { return impl_->raw; }
Bytes PublicKey::to_protobuf() const { return encode_key_protobuf(impl_->type, impl_->raw); }

bool PublicKey::verify(BytesView message, BytesView signature) const noexcept {
  const char* digest = nullptr;  // Ed25519 hashes internally (PureEdDSA)
  switch (impl_->type) {
    case KeyType::ed25519:
      if (signature.size() != kEd25519SignatureSize) return false;
      break;
    case KeyType::rsa:
    case KeyType::secp256k1:
    case KeyType::ecdsa:
      if (signature.empty()) return false;
      digest = "SHA256";
      break;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  // RSA keys default to PKCS#1 v1.5 padding; ECDSA verification in OpenSSL rejects non-DER signatures.
  if (EVP_DigestVerifyInit_ex(ctx.get(), nullptr, digest, nullptr, nullptr, impl_->pkey.get(), nullptr) != 1)
    return false;
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size()) == 1;
}

bool PublicKey::operator==(const PublicKey& other) const noexcept {
  if (impl_ == other.impl_) return true;
  return impl_->type == other.impl_->type && impl_->raw == other.impl_->raw;
}

// ---------------------------------------------------------------------------------------------------------
// Ed25519PrivateKey

struct Ed25519PrivateKey::Impl {
  std::array<std::uint8_t, kSeedSize> seed{};
  std::shared_ptr<EVP_PKEY> pkey;
  PublicKey public_key;

  explicit Impl(PublicKey pub) : public_key(std::move(pub)) {}
  ~Impl() { OPENSSL_cleanse(seed.data(), seed.size()); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

Result<Ed25519PrivateKey> Ed25519PrivateKey::from_seed(BytesView seed32) {
  if (seed32.size() != kSeedSize) return make_error_code(KeyError::invalid_key_length);
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed32.data(), seed32.size()));
  if (!pkey) return make_error_code(KeyError::openssl_failure);
  std::array<std::uint8_t, kEd25519KeySize> pub{};
  std::size_t pub_len = pub.size();
  if (EVP_PKEY_get_raw_public_key(pkey.get(), pub.data(), &pub_len) != 1 || pub_len != pub.size())
    return make_error_code(KeyError::openssl_failure);
  auto public_key = PublicKey::from_raw(KeyType::ed25519, pub);
  if (!public_key) return public_key.error();
  auto impl = std::make_shared<Impl>(*public_key);
  std::copy(seed32.begin(), seed32.end(), impl->seed.begin());
  impl->pkey = std::shared_ptr<EVP_PKEY>(pkey.release(), PkeyFree{});
  return Ed25519PrivateKey(std::move(impl));
}

Ed25519PrivateKey Ed25519PrivateKey::generate() {
  std::array<std::uint8_t, kSeedSize> seed{};
  if (RAND_priv_bytes(seed.data(), static_cast<int>(seed.size())) != 1)
    throw std::runtime_error("OpenSSL RNG failed while generating an Ed25519 key");
  auto key = from_seed(seed);
  OPENSSL_cleanse(seed.data(), seed.size());
  if (!key) throw std::runtime_error("Ed25519 key generation failed: " + key.error().message());
  return *key;
}

Result<Ed25519PrivateKey> Ed25519PrivateKey::from_protobuf(BytesView serialized) {
  if (serialized.size() > 2 * kMaxKeyProtobufSize) return make_error_code(KeyError::too_large);
  pb::PrivateKey msg;
  const bool parsed = msg.ParsePartialFromArray(serialized.data(), static_cast<int>(serialized.size())) &&
                      msg.has_type() && msg.has_data();
  // Wipe the parsed copy of the secret whatever happens next.
  struct Wipe {
    pb::PrivateKey& m;
    ~Wipe() {
      if (m.has_data()) OPENSSL_cleanse(m.mutable_data()->data(), m.data().size());
    }
  } wipe{msg};
  if (!parsed) return make_error_code(KeyError::malformed_protobuf);
  if (msg.type() != pb::Ed25519) return make_error_code(KeyError::unsupported_key_type);
  const BytesView data = as_bytes(msg.data());
  const BytesView seed = data.first(std::min(data.size(), kSeedSize));
  switch (data.size()) {
    case kSeedSize: return from_seed(seed);
    case kSeedSize + kEd25519KeySize:
    case kSeedSize + 2 * kEd25519KeySize: {
      const BytesView stored_pub = data.subspan(kSeedSize, kEd25519KeySize);
      if (data.size() == kSeedSize + 2 * kEd25519KeySize) {
        const BytesView second = data.subspan(kSeedSize + kEd25519KeySize);
        if (!std::equal(stored_pub.begin(), stored_pub.end(), second.begin()))
          return make_error_code(KeyError::key_mismatch);
      }
      auto key = from_seed(seed);
      if (!key) return key;
      const BytesView derived = key->public_key().raw();
      if (!std::equal(derived.begin(), derived.end(), stored_pub.begin(), stored_pub.end()))
        return make_error_code(KeyError::key_mismatch);
      return key;
    }
    default: return make_error_code(KeyError::invalid_key_length);
  }
}

Bytes Ed25519PrivateKey::to_protobuf() const {
  Bytes data(impl_->seed.begin(), impl_->seed.end());
  append(data, impl_->public_key.raw());
  Bytes out = encode_key_protobuf(KeyType::ed25519, data);
  OPENSSL_cleanse(data.data(), data.size());
  return out;
}

const PublicKey& Ed25519PrivateKey::public_key() const noexcept { return impl_->public_key; }

BytesView Ed25519PrivateKey::seed() const noexcept { return impl_->seed; }

Bytes Ed25519PrivateKey::sign(BytesView message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return {};
  if (EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, impl_->pkey.get(), nullptr) != 1)
    return {};
  Bytes sig(kEd25519SignatureSize);
  std::size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1 ||
      len != kEd25519SignatureSize)
    return {};
  return sig;
}

}  // namespace chiral::crypto
