// libp2p identity keys (libp2p/specs peer-ids/peer-ids.md "Keys"): PublicKey/PrivateKey protobufs,
// verification for all four key types (RSA, Ed25519, Secp256k1, ECDSA) and Ed25519 signing, on OpenSSL 3.
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/result.hpp"

namespace chiral::crypto {

enum class KeyType : int { rsa = 0, ed25519 = 1, secp256k1 = 2, ecdsa = 3 };

std::string_view key_type_name(KeyType t) noexcept;  // "RSA", "Ed25519", "Secp256k1", "ECDSA"

enum class KeyError {
  ok = 0,
  malformed_protobuf = 1,    // not a PublicKey/PrivateKey message (missing field, bad wire format, unknown type)
  unsupported_key_type = 2,  // a key type this operation does not handle (e.g. an RSA private key)
  invalid_key_length = 3,    // Data has the wrong size for its type
  invalid_key = 4,           // key material rejected (not a point on the curve, bad DER, wrong algorithm)
  key_size_out_of_range = 5, // RSA modulus outside [2048, 8192] bits
  unsupported_curve = 6,     // ECDSA curve other than P-256/P-384/P-521
  key_mismatch = 7,          // private seed and stored public key disagree (or the two legacy halves do)
  too_large = 8,             // serialized key above the size bound
  openssl_failure = 9,       // an OpenSSL call failed for another reason (allocation, provider)
};

const boost::system::error_category& key_category() noexcept;
inline boost::system::error_code make_error_code(KeyError e) noexcept {
  return {static_cast<int>(e), key_category()};
}

inline constexpr std::size_t kMinRsaBits = 2048;     // go-libp2p MinRsaKeyBits
inline constexpr std::size_t kMaxRsaBits = 8192;     // go-libp2p maxRsaKeyBits
inline constexpr std::size_t kMaxKeyProtobufSize = 2048;  // an 8192-bit RSA PublicKey protobuf is ~1070 bytes
inline constexpr std::size_t kEd25519SignatureSize = 64;

// A remote or local public key. Immutable; copies share one parsed OpenSSL key.
class PublicKey {
 public:
  // Parses a serialized libp2p PublicKey protobuf and validates the key material.
  static Result<PublicKey> from_protobuf(BytesView serialized);
  // Ed25519: 32 bytes (length checked only, like go; a bad point fails verify). Secp256k1: 33-byte compressed
  // point on the curve. RSA (2048..8192 bits) and ECDSA (P-256/384/521): DER SubjectPublicKeyInfo.
  static Result<PublicKey> from_raw(KeyType type, BytesView data);

  PublicKey(const PublicKey&) = default;  // no move constructor on purpose: a moved-from key stays usable
  PublicKey& operator=(const PublicKey&) = default;

  KeyType type() const noexcept;
  BytesView raw() const noexcept;  // the protobuf Data field
  // Deterministic encoding (field 1 then field 2, minimal varints), as the spec requires for peer ids.
  Bytes to_protobuf() const;
  // Ed25519: RFC 8032 over the message. RSA: RSASSA-PKCS1-v1_5 with SHA-256. Secp256k1/ECDSA: DER-encoded
  // ECDSA signature over SHA-256(message). False on any failure.
  bool verify(BytesView message, BytesView signature) const noexcept;

  bool operator==(const PublicKey& other) const noexcept;

  struct Impl;

 private:
  explicit PublicKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
  friend class Ed25519PrivateKey;
};

// Our own identity key. Copies share the key material, which is wiped when the last copy goes away.
class Ed25519PrivateKey {
 public:
  static constexpr std::size_t kSeedSize = 32;

  // Fresh key from the OpenSSL private RNG. Throws std::runtime_error if the RNG fails (start-up only).
  static Ed25519PrivateKey generate();
  static Result<Ed25519PrivateKey> from_seed(BytesView seed32);
  // Serialized PrivateKey protobuf with Type=Ed25519. Data = seed||pub (64 bytes; pub must match the seed),
  // go's legacy seed||pub||pub (96 bytes; halves must match), or a bare 32-byte seed.
  // Any other type -> KeyError::unsupported_key_type.
  static Result<Ed25519PrivateKey> from_protobuf(BytesView serialized);

  Ed25519PrivateKey(const Ed25519PrivateKey&) = default;  // no move constructor: see PublicKey
  Ed25519PrivateKey& operator=(const Ed25519PrivateKey&) = default;

  // Type=Ed25519, Data = seed||pub (64 bytes): what go, rust and js write.
  Bytes to_protobuf() const;
  const PublicKey& public_key() const noexcept;
  // 64-byte RFC 8032 signature. Empty only if OpenSSL fails internally (allocation).
  Bytes sign(BytesView message) const;
  BytesView seed() const noexcept;

  struct Impl;

 private:
  explicit Ed25519PrivateKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace chiral::crypto

namespace boost::system {
template <>
struct is_error_code_enum<chiral::crypto::KeyError> : std::true_type {};
}  // namespace boost::system
