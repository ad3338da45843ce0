// Circuit Relay v2 verify_voucher: untrusted envelopes as a client receives them in a RESERVE answer, and
// the input sealed as a voucher payload with a fixed relay key (so the ReservationVoucher parser behind the
// signature is reached). Property: an accepted voucher was signed by the relay it names.
#include "fuzz_check.hpp"
#include "protocol/relay/constants.hpp"
#include "protocol/relay/voucher.hpp"

using namespace chiral;
using namespace chiral::relay_proto;
using multiformats::PeerId;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const BytesView in = fuzz::input(data, size);
  if (auto v = verify_voucher(in)) {
    auto env = crypto::open_envelope(in, kVoucherDomain, kVoucherPayloadType);
    FUZZ_CHECK(env && v->relay.matches(env->signer));
  }
  static const auto kRelayKey = *crypto::Ed25519PrivateKey::from_seed(Bytes(32, 7));
  static const PeerId kRelay = PeerId::from_public_key(kRelayKey.public_key());
  const Bytes sealed = crypto::seal_envelope(kRelayKey, kVoucherDomain, kVoucherPayloadType, in);
  if (auto v = verify_voucher(sealed)) {
    FUZZ_CHECK(v->relay == kRelay);
    const Bytes remade = make_voucher(kRelayKey, v->relay, v->peer, v->expiration);
    auto again = verify_voucher(remade);
    FUZZ_CHECK(again && again->peer == v->peer && again->expiration == v->expiration);
  }
  return 0;
}
