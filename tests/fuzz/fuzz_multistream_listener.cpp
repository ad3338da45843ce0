// multistream-select Listener::feed: the input is the dialer's byte stream, fed in fuzz-chosen chunks to one
// listener and whole to another. Property: the split does not matter (same output, error, selection and
// leftover), and the listener never answers more than kMaxListenerAttempts proposals.
#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_check.hpp"
#include "protocol/multistream/listener.hpp"

using namespace chiral;
using namespace chiral::multistream;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider fdp(data, size);
  const auto chunk = fdp.ConsumeIntegralInRange<std::size_t>(1, 64);
  const bool eager_header = fdp.ConsumeBool();
  const bool by_predicate = fdp.ConsumeBool();  // go-style: a predicate and no `ls` list
  const Bytes wire = fdp.ConsumeRemainingBytes<std::uint8_t>();
  const std::vector<std::string> protocols = {"/noise", "/yamux/1.0.0", "/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"};
  auto make = [&] {
    if (by_predicate) return Listener([](std::string_view p) { return p.starts_with("/libp2p/circuit/"); });
    return Listener(protocols);
  };
  Listener split = make(), whole = make();
  Bytes out_split = eager_header ? split.start() : Bytes{}, out_whole = eager_header ? whole.start() : Bytes{};
  error_code ec_split;
  for (std::size_t off = 0; off < wire.size() && !ec_split; off += chunk) {
    auto r = split.feed(BytesView(wire).subspan(off, std::min(chunk, wire.size() - off)));
    if (r) append(out_split, *r); else ec_split = r.error();
  }
  auto r = whole.feed(wire);
  FUZZ_CHECK(ec_split == (r ? error_code{} : r.error()));
  FUZZ_CHECK(split.attempts() <= kMaxListenerAttempts + 1);
  if (!r) return 0;
  append(out_whole, *r);
  FUZZ_CHECK(out_split == out_whole && split.done() == whole.done() && split.selected() == whole.selected());
  FUZZ_CHECK(Bytes(split.leftover().begin(), split.leftover().end()) ==
             Bytes(whole.leftover().begin(), whole.leftover().end()));
  return 0;
}
