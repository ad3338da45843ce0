// Peer id (libp2p/specs peer-ids/peer-ids.md "Peer Ids"): the multihash of a serialized PublicKey, in text as
// base58btc (legacy, what we print) or CIDv1 with the libp2p-key codec (0x72).
#pragma once
#include <compare>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/result.hpp"
#include "crypto/keys.hpp"

namespace chiral::multiformats {

enum class PeerIdError {
  ok = 0,
  invalid_text = 1,        // not valid base58btc / multibase
  invalid_multihash = 2,   // bytes are not one multihash
  unsupported_hash = 3,    // not identity (<= 42 bytes) or sha2-256 (32-byte digest)
  invalid_cid = 4,         // CID is not version 1, or its varints are malformed
  wrong_codec = 5,         // CID codec is not libp2p-key (0x72)
  too_large = 6,           // text longer than kMaxTextSize
};

const boost::system::error_category& peer_id_category() noexcept;
inline boost::system::error_code make_error_code(PeerIdError e) noexcept {
  return {static_cast<int>(e), peer_id_category()};
}

class PeerId {
 public:
  // Serialized keys up to this size are inlined (identity multihash); longer ones are hashed (sha2-256).
  static constexpr std::size_t kMaxInlineKeySize = 42;
  static constexpr std::uint64_t kLibp2pKeyCodec = 0x72;
  static constexpr std::size_t kMaxTextSize = 256;

  static PeerId from_public_key(const crypto::PublicKey& key);
  // A multihash: identity with a digest of at most 42 bytes, or sha2-256 with a 32-byte digest.
  static Result<PeerId> from_bytes(BytesView multihash);
  // "1..."/"Qm..." -> base58btc multihash; anything else -> multibase CIDv1 (b.../k.../z...) with codec 0x72.
  static Result<PeerId> from_string(std::string_view text);

  std::string to_base58() const;
  std::string to_string() const { return to_base58(); }
  std::string to_cid_base32() const;  // "bafz..." / "bafzaa..."

  // The key inlined in an identity multihash (Ed25519, Secp256k1); nullopt for hashed ids or bad keys.
  std::optional<crypto::PublicKey> extract_public_key() const;
  // True when this id is the peer id of `key`.
  bool matches(const crypto::PublicKey& key) const;

  const Bytes& bytes() const noexcept { return bytes_; }

  bool operator==(const PeerId& other) const noexcept = default;
  std::strong_ordering operator<=>(const PeerId& other) const noexcept = default;

 private:
  explicit PeerId(Bytes multihash) : bytes_(std::move(multihash)) {}
  Bytes bytes_;
};

}  // namespace chiral::multiformats

template <>
struct std::hash<chiral::multiformats::PeerId> {
  std::size_t operator()(const chiral::multiformats::PeerId& id) const noexcept {
    return std::hash<std::string_view>{}(chiral::as_string_view(id.bytes()));
  }
};

namespace boost::system {
template <>
struct is_error_code_enum<chiral::multiformats::PeerIdError> : std::true_type {};
}  // namespace boost::system
