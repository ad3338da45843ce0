// Circuit Relay v2 decode_stop (StopMessage protobuf, <= 4096 bytes, presence rules per type): whatever
// decodes re-encodes with encode_stop to a message that decodes to the same struct (an all-zero Limit is
// dropped by design: go treats any Limit as "limited").
#include "fuzz_check.hpp"
#include "protocol/relay/messages.hpp"

using namespace chiral;
using namespace chiral::relay_proto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto msg = decode_stop(fuzz::input(data, size));
  if (!msg) return 0;
  (void)stop_type_name(msg->type);
  if (msg->status) (void)status_name(*msg->status);
  if (msg->limit && msg->limit->unlimited()) msg->limit.reset();
  const Bytes encoded = encode_stop(*msg);
  FUZZ_CHECK(encoded.size() <= kMaxMessageSize);
  auto again = decode_stop(encoded);
  FUZZ_CHECK(again && *again == *msg);
  FUZZ_CHECK(encode_stop(*again) == encoded);
  return 0;
}
