// multistream-select MessageDecoder (uvarint length + text + '\n', bounded) and decode_ls_response: fed in
// fuzz-chosen chunks; every message popped fits the limit and re-encodes to the bytes it came from.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstring>

#include "fuzz_check.hpp"
#include "protocol/multistream/message.hpp"

using namespace chiral;
using namespace chiral::multistream;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider fdp(data, size);
  const auto chunk = fdp.ConsumeIntegralInRange<std::size_t>(1, 128);
  const Bytes wire = fdp.ConsumeRemainingBytes<std::uint8_t>();
  MessageDecoder decoder;
  Bytes reencoded;
  for (std::size_t off = 0; off < wire.size(); off += chunk) {
    decoder.feed(BytesView(wire).subspan(off, std::min(chunk, wire.size() - off)));
    for (;;) {
      auto msg = decoder.next();
      if (!msg) return 0;  // malformed stream: the driver closes it
      if (!*msg) break;
      FUZZ_CHECK((*msg)->size() < kMaxMessageSize);
      append_message(reencoded, **msg);
      FUZZ_CHECK(reencoded.size() <= off + chunk && std::memcmp(reencoded.data(), wire.data(), reencoded.size()) == 0);
      if (auto names = decode_ls_response(**msg)) {
        Bytes ls;
        append_ls_response(ls, *names);
        FUZZ_CHECK(ls == encode_message(**msg));
      }
    }
    FUZZ_CHECK(decoder.buffered().size() <= kMaxMessageSize + 2 + 64 + chunk);
  }
  return 0;
}
