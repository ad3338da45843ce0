// Reservation vouchers (libp2p/specs relay/circuit-v2.md "Reservation Vouchers").
#include "protocol/relay/voucher.hpp"

#include "protocol/relay/constants.hpp"
#include "proto/circuit.pb.h"

namespace chiral::relay_proto {

Bytes make_voucher(const crypto::Ed25519PrivateKey& relay_key, const multiformats::PeerId& relay,
                   const multiformats::PeerId& peer, std::uint64_t expiration_unix) {
  pb::ReservationVoucher v;
  v.set_relay(relay.bytes().data(), relay.bytes().size());
  v.set_peer(peer.bytes().data(), peer.bytes().size());
  v.set_expiration(expiration_unix);
  Bytes payload(v.ByteSizeLong());
  v.SerializeToArray(payload.data(), static_cast<int>(payload.size()));
  return crypto::seal_envelope(relay_key, kVoucherDomain, kVoucherPayloadType, payload);
}

Result<Voucher> verify_voucher(BytesView envelope) {
  auto opened = crypto::open_envelope(envelope, kVoucherDomain, kVoucherPayloadType);
  if (!opened) return opened.error();
  pb::ReservationVoucher v;
  if (!v.ParseFromArray(opened->payload.data(), static_cast<int>(opened->payload.size())) || !v.has_relay() ||
      !v.has_peer() || !v.has_expiration()) {
    return make_error_code(crypto::EnvelopeError::record_malformed);
  }
  auto relay = multiformats::PeerId::from_bytes(as_bytes(v.relay()));
  auto peer = multiformats::PeerId::from_bytes(as_bytes(v.peer()));
  if (!relay || !peer) return make_error_code(crypto::EnvelopeError::record_malformed);
  if (!relay->matches(opened->signer)) return make_error_code(crypto::EnvelopeError::signer_mismatch);
  return Voucher{*relay, *peer, v.expiration()};
}

}  // namespace chiral::relay_proto
