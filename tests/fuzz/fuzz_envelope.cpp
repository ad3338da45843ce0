// Signed envelopes (RFC 0002) and signed peer records (RFC 0003) from untrusted bytes: open_envelope with
// the peer-record and relay-voucher domains, open_peer_record. An opened record names its signer. The input
// is also sealed as a record payload with a fixed key, so the PeerRecord parser behind the signature is
// reached too.
#include "crypto/envelope.hpp"
#include "fuzz_check.hpp"
#include "multiformats/peer_id.hpp"

using namespace chiral;
using namespace chiral::crypto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const BytesView in = fuzz::input(data, size);
  if (auto env = open_envelope(in, kPeerRecordDomain, kPeerRecordPayloadType)) {
    FUZZ_CHECK(env->payload_type == Bytes(kPeerRecordPayloadType.begin(), kPeerRecordPayloadType.end()));
  }
  static constexpr std::uint8_t kVoucherType[] = {0x03, 0x02};
  (void)open_envelope(in, "libp2p-relay-rsvp", kVoucherType);
  if (auto rec = open_peer_record(in)) {
    auto id = multiformats::PeerId::from_bytes(rec->record.peer_id);
    FUZZ_CHECK(id && id->matches(rec->signer));
  }
  static const auto kKey = *Ed25519PrivateKey::from_seed(Bytes(32, 0x42));
  const Bytes sealed = seal_envelope(kKey, kPeerRecordDomain, kPeerRecordPayloadType, in);
  auto env = open_envelope(sealed, kPeerRecordDomain, kPeerRecordPayloadType);
  FUZZ_CHECK(env && env->payload == Bytes(in.begin(), in.end()) && env->signer == kKey.public_key());
  if (auto rec = open_peer_record(sealed)) {
    FUZZ_CHECK(multiformats::PeerId::from_public_key(kKey.public_key()).bytes() == rec->record.peer_id);
  }
  return 0;
}
