// AutoNAT v1 codec (autonat-v1.md "AutoNAT Protocol"): decode on untrusted bytes. Whatever decodes
// re-encodes to bytes that decode again with the same type, dial and address; after one encode the
// bytes are stable (encode may cut an over-long status text to stay within kMaxSendSize).
#include "fuzz_check.hpp"
#include "protocol/autonat/messages_v1.hpp"

using namespace chiral;
using namespace chiral::autonat::v1;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto msg = decode(fuzz::input(data, size));
  if (!msg) return 0;
  if (msg->dial_response && msg->dial_response->status) (void)response_status_name(*msg->dial_response->status);
  const Bytes encoded = encode(*msg);
  auto again = decode(encoded);
  FUZZ_CHECK(again);
  FUZZ_CHECK(again->type == msg->type);
  FUZZ_CHECK(again->dial == msg->dial);
  FUZZ_CHECK(again->dial_response.has_value() == msg->dial_response.has_value());
  if (again->dial_response) {
    FUZZ_CHECK(again->dial_response->status == msg->dial_response->status);
    FUZZ_CHECK(again->dial_response->addr == msg->dial_response->addr);
  }
  FUZZ_CHECK(encode(*again) == encoded);
  return 0;
}
