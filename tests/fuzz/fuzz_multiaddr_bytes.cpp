// Multiaddr::from_bytes: accepted binary round-trips through text (from_bytes(x).to_string() parses back
// to x), and every accessor walks it without reading out of bounds.
#include "fuzz_check.hpp"
#include "multiformats/multiaddr.hpp"

using namespace chiral;
using chiral::multiformats::Multiaddr;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const BytesView in = fuzz::input(data, size);
  auto addr = Multiaddr::from_bytes(in);
  if (!addr) return 0;
  FUZZ_CHECK(addr->bytes() == Bytes(in.begin(), in.end()));
  const std::string text = addr->to_string();
  auto again = Multiaddr::from_string(text);
  FUZZ_CHECK(again && again->bytes() == addr->bytes());
  for (const auto& c : addr->components()) (void)c.value_string();
  if (auto it = addr->ip_tcp()) (void)it->host_text();
  if (auto id = addr->peer_id()) {
    const Multiaddr base = addr->without_p2p();
    FUZZ_CHECK(base.bytes().size() < addr->bytes().size());
    if (base.peer_id() != id) FUZZ_CHECK(base.with_p2p(*id) == *addr);  // ".../p2p/X/p2p/X" is kept
  }
  (void)addr->is_circuit();
  return 0;
}
