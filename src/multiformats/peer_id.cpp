// Peer id derivation, parsing and text forms (libp2p/specs peer-ids/peer-ids.md "Peer Ids").
#include "multiformats/peer_id.hpp"

#include "core/uvarint.hpp"
#include "multiformats/multibase.hpp"
#include "multiformats/multihash.hpp"

namespace chiral::multiformats {

namespace {
const char* peer_id_message(PeerIdError e) {
  switch (e) {
    case PeerIdError::ok: return "ok";
    case PeerIdError::invalid_text: return "peer id text is not valid base58btc or multibase";
    case PeerIdError::invalid_multihash: return "peer id is not a valid multihash";
    case PeerIdError::unsupported_hash: return "peer id multihash must be identity (<= 42 bytes) or sha2-256";
    case PeerIdError::invalid_cid: return "peer id CID is malformed or not CIDv1";
    case PeerIdError::wrong_codec: return "peer id CID codec is not libp2p-key";
    case PeerIdError::too_large: return "peer id text too long";
  }
  return "unknown peer id error";
}

constexpr std::uint64_t kCidVersion1 = 1;
}  // namespace

const boost::system::error_category& peer_id_category() noexcept {
  static const EnumCategory<PeerIdError> cat("chiral.peer_id", peer_id_message);
  return cat;
}

PeerId PeerId::from_public_key(const crypto::PublicKey& key) {
  const Bytes encoded = key.to_protobuf();
  if (encoded.size() <= kMaxInlineKeySize) return PeerId(multihash::identity(encoded));
  return PeerId(multihash::sha2_256(encoded));
}

Result<PeerId> PeerId::from_bytes(BytesView mh) {
  auto view = multihash::decode(mh);
  if (!view) return make_error_code(PeerIdError::invalid_multihash);
  const bool ok = (view->code == multihash::kIdentity && view->digest.size() <= kMaxInlineKeySize) ||
                  (view->code == multihash::kSha2_256 && view->digest.size() == 32);
  if (!ok) return make_error_code(PeerIdError::unsupported_hash);
  return PeerId(Bytes(mh.begin(), mh.end()));
}

Result<PeerId> PeerId::from_string(std::string_view text) {
  if (text.size() > kMaxTextSize) return make_error_code(PeerIdError::too_large);
  if (text.starts_with('1') || text.starts_with("Qm")) {
    auto raw = multibase::base58btc_decode(text);
    if (!raw) return make_error_code(PeerIdError::invalid_text);
    return from_bytes(*raw);
  }
  auto decoded = multibase::decode(text);
  if (!decoded) return make_error_code(PeerIdError::invalid_text);
  BytesView cid = decoded->data;
  auto version = uvarint::decode(cid);
  if (!version || version->value != kCidVersion1) return make_error_code(PeerIdError::invalid_cid);
  cid = cid.subspan(version->consumed);
  auto codec = uvarint::decode(cid);
  if (!codec) return make_error_code(PeerIdError::invalid_cid);
  if (codec->value != kLibp2pKeyCodec) return make_error_code(PeerIdError::wrong_codec);
  return from_bytes(cid.subspan(codec->consumed));
}

std::string PeerId::to_base58() const { return multibase::base58btc_encode(bytes_); }

std::string PeerId::to_cid_base32() const {
  Bytes cid;
  cid.reserve(bytes_.size() + 2);
  uvarint::append(cid, kCidVersion1);
  uvarint::append(cid, kLibp2pKeyCodec);
  append(cid, bytes_);
  return multibase::encode(multibase::Base::base32, cid);
}

std::optional<crypto::PublicKey> PeerId::extract_public_key() const {
  auto view = multihash::decode(bytes_);
  if (!view || view->code != multihash::kIdentity) return std::nullopt;
  auto key = crypto::PublicKey::from_protobuf(view->digest);
  // Only the deterministic encoding (peer-ids.md "Key encoding"): a key parsed from bytes with extra
  // fields or non-minimal varints has a different peer id, so returning it would contradict matches().
  if (!key || key->to_protobuf() != Bytes(view->digest.begin(), view->digest.end())) return std::nullopt;
  return *key;
}

bool PeerId::matches(const crypto::PublicKey& key) const { return from_public_key(key).bytes_ == bytes_; }

}  // namespace chiral::multiformats
