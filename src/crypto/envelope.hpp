// Signed envelopes (libp2p/specs RFC/0002-signed-envelopes.md) and the signed peer record carried in one
// (RFC/0003-routing-records.md): seal with our Ed25519 key, open and verify with any of the 4 key types.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/result.hpp"
#include "crypto/keys.hpp"

namespace chiral::crypto {

// Bound on a serialized envelope we parse: a peer record with dozens of addrs and an 8192-bit RSA key fits.
inline constexpr std::size_t kMaxEnvelopeSize = 16 * 1024;

enum class EnvelopeError {
  ok = 0,
  too_large = 1,              // serialized envelope above kMaxEnvelopeSize
  malformed = 2,              // not an Envelope protobuf, or public_key / signature missing
  payload_type_mismatch = 3,  // payload_type differs from the expected one
  invalid_signature = 4,      // signature does not verify (also: wrong domain, altered payload)
  record_malformed = 5,       // the payload is not the expected record (missing field, bad protobuf)
  signer_mismatch = 6,        // the record names a peer other than the envelope's signer
};

const boost::system::error_category& envelope_category() noexcept;
inline boost::system::error_code make_error_code(EnvelopeError e) noexcept {
  return {static_cast<int>(e), envelope_category()};
}

// The bytes an envelope signature covers:
// uvarint(len(domain)) || domain || uvarint(len(type)) || type || uvarint(len(payload)) || payload.
Bytes envelope_signing_input(std::string_view domain, BytesView payload_type, BytesView payload);

// Serialized Envelope{public_key=1, payload_type=2, payload=3, signature=5}, fields in number order.
Bytes seal_envelope(const Ed25519PrivateKey& key, std::string_view domain, BytesView payload_type,
                    BytesView payload);

struct OpenedEnvelope {
  PublicKey signer;
  Bytes payload_type;
  Bytes payload;
};

// Parses `serialized`, checks its payload type and verifies the signature for `expected_domain`.
// Errors: EnvelopeError, or the KeyError of an unusable public key.
Result<OpenedEnvelope> open_envelope(BytesView serialized, std::string_view expected_domain,
                                     BytesView expected_payload_type);

// --- Signed peer record (RFC 0003), as identify's signedPeerRecord field carries it ----------------------

inline constexpr std::string_view kPeerRecordDomain = "libp2p-peer-record";
inline constexpr std::array<std::uint8_t, 2> kPeerRecordPayloadType = {0x03, 0x01};  // multicodec 0x0301

struct PeerRecord {
  Bytes peer_id;             // multihash bytes of the peer id
  std::uint64_t seq = 0;     // increases with every new record of the peer
  std::vector<Bytes> addrs;  // binary multiaddrs
};

// Seals PeerRecord{peer_id, seq, addresses} with `key`; `peer_id` must be the peer id bytes of that key.
Bytes make_peer_record(const Ed25519PrivateKey& key, BytesView peer_id, std::uint64_t seq,
                       const std::vector<Bytes>& addrs);

struct OpenedPeerRecord {
  PublicKey signer;
  PeerRecord record;
};

// Opens a signed peer record: domain, payload type, signature, a present peer_id, and that peer_id is the
// signer's peer id (identity multihash of the key protobuf when <= 42 bytes, else sha2-256).
Result<OpenedPeerRecord> open_peer_record(BytesView serialized);

}  // namespace chiral::crypto

namespace boost::system {
template <>
struct is_error_code_enum<chiral::crypto::EnvelopeError> : std::true_type {};
}  // namespace boost::system
