// yamux decode_header (12-byte frame header): accepted headers re-encode to the same 12 bytes; anything
// shorter is truncated, never read past.
#include <cstring>

#include "fuzz_check.hpp"
#include "protocol/yamux/frame.hpp"

using namespace chiral;
using namespace chiral::yamux;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const BytesView in = fuzz::input(data, size);
  for (std::size_t off = 0; off <= size; off += kHeaderSize) {
    auto h = decode_header(in.subspan(off));
    if (!h) continue;
    FUZZ_CHECK(size - off >= kHeaderSize && h->version == kVersion && h->type <= FrameType::go_away);
    std::uint8_t out[kHeaderSize];
    encode_header(*h, out);
    FUZZ_CHECK(std::memcmp(out, data + off, kHeaderSize) == 0);
    Bytes appended;
    append_header(appended, *h);
    FUZZ_CHECK(appended.size() == kHeaderSize && std::memcmp(appended.data(), out, kHeaderSize) == 0);
  }
  return 0;
}
