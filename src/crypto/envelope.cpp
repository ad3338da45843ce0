// Signed envelopes (RFC 0002) and signed peer records (RFC 0003).
#include "crypto/envelope.hpp"

#include <algorithm>

#include "core/uvarint.hpp"
#include "crypto/sha256.hpp"
#include "proto/envelope.pb.h"

namespace chiral::crypto {

namespace {

const char* envelope_message(EnvelopeError e) {
  switch (e) {
    case EnvelopeError::ok: return "ok";
    case EnvelopeError::too_large: return "envelope too large";
    case EnvelopeError::malformed: return "malformed envelope";
    case EnvelopeError::payload_type_mismatch: return "unexpected envelope payload type";
    case EnvelopeError::invalid_signature: return "envelope signature invalid (or wrong domain)";
    case EnvelopeError::record_malformed: return "malformed record in envelope";
    case EnvelopeError::signer_mismatch: return "record peer id is not the envelope signer";
  }
  return "unknown envelope error";
}

bool equal(BytesView a, BytesView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

// Peer id bytes of a key (peer-ids.md): kept here so crypto does not depend on multiformats.
Bytes peer_id_bytes_of(const PublicKey& key) {
  constexpr std::size_t kMaxInlineKeySize = 42;
  const Bytes encoded = key.to_protobuf();
  Bytes out;
  if (encoded.size() <= kMaxInlineKeySize) {
    out.push_back(0x00);  // identity multihash
    uvarint::append(out, encoded.size());
    append(out, encoded);
  } else {
    out = {0x12, 0x20};  // sha2-256, 32-byte digest
    const auto digest = sha256(encoded);
    out.insert(out.end(), digest.begin(), digest.end());
  }
  return out;
}

}  // namespace

const boost::system::error_category& envelope_category() noexcept {
  static const EnumCategory<EnvelopeError> cat("chiral.envelope", envelope_message);
  return cat;
}

Bytes envelope_signing_input(std::string_view domain, BytesView payload_type, BytesView payload) {
  Bytes out;
  out.reserve(domain.size() + payload_type.size() + payload.size() + 3 * uvarint::kMaxBytes);
  uvarint::append(out, domain.size());
  append(out, as_bytes(domain));
  uvarint::append(out, payload_type.size());
  append(out, payload_type);
  uvarint::append(out, payload.size());
  append(out, payload);
  return out;
}

Bytes seal_envelope(const Ed25519PrivateKey& key, std::string_view domain, BytesView payload_type,
                    BytesView payload) {
  const Bytes signature = key.sign(envelope_signing_input(domain, payload_type, payload));
  if (signature.empty()) return {};
  const Bytes public_key = key.public_key().to_protobuf();
  pb::Envelope env;
  env.set_public_key(public_key.data(), public_key.size());
  env.set_payload_type(payload_type.data(), payload_type.size());
  env.set_payload(payload.data(), payload.size());
  env.set_signature(signature.data(), signature.size());
  Bytes out(env.ByteSizeLong());
  env.SerializeToArray(out.data(), static_cast<int>(out.size()));
  return out;
}

Result<OpenedEnvelope> open_envelope(BytesView serialized, std::string_view expected_domain,
                                     BytesView expected_payload_type) {
  if (serialized.size() > kMaxEnvelopeSize) return make_error_code(EnvelopeError::too_large);
  pb::Envelope env;
  if (!env.ParseFromArray(serialized.data(), static_cast<int>(serialized.size())) || !env.has_public_key() ||
      !env.has_signature()) {
    return make_error_code(EnvelopeError::malformed);
  }
  if (!equal(as_bytes(env.payload_type()), expected_payload_type)) {
    return make_error_code(EnvelopeError::payload_type_mismatch);
  }
  auto signer = PublicKey::from_protobuf(as_bytes(env.public_key()));
  if (!signer) return signer.error();
  const Bytes signed_input = envelope_signing_input(expected_domain, as_bytes(env.payload_type()),
                                                    as_bytes(env.payload()));
  if (!signer->verify(signed_input, as_bytes(env.signature()))) {
    return make_error_code(EnvelopeError::invalid_signature);
  }
  return OpenedEnvelope{*signer, to_bytes(env.payload_type()), to_bytes(env.payload())};
}

Bytes make_peer_record(const Ed25519PrivateKey& key, BytesView peer_id, std::uint64_t seq,
                       const std::vector<Bytes>& addrs) {
  pb::PeerRecord record;
  record.set_peer_id(peer_id.data(), peer_id.size());
  record.set_seq(seq);
  for (const auto& a : addrs) record.add_addresses()->set_multiaddr(a.data(), a.size());
  Bytes payload(record.ByteSizeLong());
  record.SerializeToArray(payload.data(), static_cast<int>(payload.size()));
  return seal_envelope(key, kPeerRecordDomain, kPeerRecordPayloadType, payload);
}

Result<OpenedPeerRecord> open_peer_record(BytesView serialized) {
  auto opened = open_envelope(serialized, kPeerRecordDomain, kPeerRecordPayloadType);
  if (!opened) return opened.error();
  pb::PeerRecord record;
  if (!record.ParseFromArray(opened->payload.data(), static_cast<int>(opened->payload.size())) ||
      !record.has_peer_id()) {
    return make_error_code(EnvelopeError::record_malformed);
  }
  if (!equal(as_bytes(record.peer_id()), peer_id_bytes_of(opened->signer))) {
    return make_error_code(EnvelopeError::signer_mismatch);
  }
  OpenedPeerRecord out{opened->signer, PeerRecord{to_bytes(record.peer_id()), record.seq(), {}}};
  out.record.addrs.reserve(static_cast<std::size_t>(record.addresses_size()));
  for (const auto& a : record.addresses()) out.record.addrs.push_back(to_bytes(a.multiaddr()));
  return out;
}

}  // namespace chiral::crypto
