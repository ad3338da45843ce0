// AutoNAT v2 codecs (autonat-v2.md "RPC Messages"): decode_message, decode_dial_back and
// decode_dial_back_response on untrusted bytes. Whatever decodes re-encodes to bytes that decode to the
// same struct (proto3 enums are open, so unknown status values survive), and re-encoding is stable.
#include "fuzz_check.hpp"
#include "protocol/autonat/messages_v2.hpp"

using namespace chiral;
using namespace chiral::autonat::v2;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const BytesView in = fuzz::input(data, size);
  if (auto msg = decode_message(in)) {
    if (auto* r = std::get_if<DialResponse>(&*msg)) {
      (void)response_status_name(r->status);
      (void)dial_status_name(r->dial_status);
    }
    const Bytes encoded = encode_message(*msg);
    auto again = decode_message(encoded);
    FUZZ_CHECK(again && *again == *msg);
    FUZZ_CHECK(encode_message(*again) == encoded);
  }
  if (auto back = decode_dial_back(in)) {
    auto again = decode_dial_back(encode_dial_back(*back));
    FUZZ_CHECK(again && *again == *back);
  }
  if (auto resp = decode_dial_back_response(in)) {
    auto again = decode_dial_back_response(encode_dial_back_response(*resp));
    FUZZ_CHECK(again && *again == *resp);
  }
  return 0;
}
