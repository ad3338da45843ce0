// Circuit Relay v2 decode_hop (HopMessage protobuf, <= 4096 bytes, presence rules per type): whatever
// decodes re-encodes with encode_hop to a message that decodes to the same struct (an all-zero Limit is
// dropped by design: go treats any Limit as "limited").
#include "fuzz_check.hpp"
#include "protocol/relay/messages.hpp"

using namespace chiral;
using namespace chiral::relay_proto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto msg = decode_hop(fuzz::input(data, size));
  if (!msg) return 0;
  (void)hop_type_name(msg->type);
  if (msg->status) (void)status_name(*msg->status);
  if (msg->limit && msg->limit->unlimited()) msg->limit.reset();
  const Bytes encoded = encode_hop(*msg);
  FUZZ_CHECK(encoded.size() <= kMaxMessageSize);
  auto again = decode_hop(encoded);
  FUZZ_CHECK(again && *again == *msg);
  FUZZ_CHECK(encode_hop(*again) == encoded);
  return 0;
}
