// multistream-select Dialer::feed: the input is the listener's byte stream, fed in fuzz-chosen chunks to one
// dialer and whole to another (eager or lazy). Property: the split does not matter, and a done dialer has
// selected one of its own proposals.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>

#include "fuzz_check.hpp"
#include "protocol/multistream/dialer.hpp"

using namespace chiral;
using namespace chiral::multistream;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider fdp(data, size);
  const auto chunk = fdp.ConsumeIntegralInRange<std::size_t>(1, 64);
  const bool lazy = fdp.ConsumeBool();
  const Bytes wire = fdp.ConsumeRemainingBytes<std::uint8_t>();
  const std::vector<std::string> protocols = {"/noise", "/tls/1.0.0", "/yamux/1.0.0"};
  Dialer split(protocols, lazy), whole(protocols, lazy);
  auto first = split.start();
  FUZZ_CHECK(first && whole.start() && split.start() && split.start()->empty());
  Bytes out_split, out_whole;
  error_code ec_split;
  for (std::size_t off = 0; off < wire.size() && !ec_split; off += chunk) {
    auto r = split.feed(BytesView(wire).subspan(off, std::min(chunk, wire.size() - off)));
    if (r) append(out_split, *r); else ec_split = r.error();
  }
  auto r = whole.feed(wire);
  FUZZ_CHECK(ec_split == (r ? error_code{} : r.error()));
  if (!r) return 0;
  append(out_whole, *r);
  FUZZ_CHECK(out_split == out_whole && split.done() == whole.done() && split.selected() == whole.selected());
  FUZZ_CHECK(Bytes(split.leftover().begin(), split.leftover().end()) ==
             Bytes(whole.leftover().begin(), whole.leftover().end()));
  if (split.done()) FUZZ_CHECK(std::find(protocols.begin(), protocols.end(), split.selected()) != protocols.end());
  return 0;
}
