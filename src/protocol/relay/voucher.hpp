// Reservation vouchers (libp2p/specs relay/circuit-v2.md "Reservation Vouchers"): a signed envelope (RFC 0002)
// with domain "libp2p-relay-rsvp", payload type 03 02 and a ReservationVoucher payload.
#pragma once
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/envelope.hpp"
#include "crypto/keys.hpp"
#include "multiformats/peer_id.hpp"

namespace chiral::relay_proto {

struct Voucher {
  multiformats::PeerId relay;
  multiformats::PeerId peer;   // the reserving peer
  std::uint64_t expiration;    // unix seconds
};

// Serialized envelope signed by `relay_key`; `relay` must be the peer id of that key.
Bytes make_voucher(const crypto::Ed25519PrivateKey& relay_key, const multiformats::PeerId& relay,
                   const multiformats::PeerId& peer, std::uint64_t expiration_unix);

// What a go client checks: domain, payload type, signature, all three fields present with valid peer ids
// (EnvelopeError::record_malformed otherwise), and the signer is voucher.relay (EnvelopeError::signer_mismatch).
// Checking voucher.peer against oneself and the expiration against the clock is the caller's job.
Result<Voucher> verify_voucher(BytesView envelope);

}  // namespace chiral::relay_proto
