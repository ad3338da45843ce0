// PeerId::from_string (base58btc or multibase CIDv1) and PeerId::from_bytes (multihash): accepted ids
// round-trip through both text forms, and an inlined key is extracted without crashing.
#include "fuzz_check.hpp"
#include "multiformats/peer_id.hpp"

using namespace chiral;
using chiral::multiformats::PeerId;

namespace {
void check_round_trips(const PeerId& id) {
  auto b58 = PeerId::from_string(id.to_base58());
  FUZZ_CHECK(b58 && *b58 == id);
  auto cid = PeerId::from_string(id.to_cid_base32());
  FUZZ_CHECK(cid && *cid == id);
  auto raw = PeerId::from_bytes(id.bytes());
  FUZZ_CHECK(raw && *raw == id);
  if (auto key = id.extract_public_key()) FUZZ_CHECK(id.matches(*key));
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const BytesView in = fuzz::input(data, size);
  if (auto id = PeerId::from_string(as_string_view(in))) check_round_trips(*id);
  if (auto id = PeerId::from_bytes(in)) {
    FUZZ_CHECK(id->bytes() == Bytes(in.begin(), in.end()));
    check_round_trips(*id);
  }
  return 0;
}
