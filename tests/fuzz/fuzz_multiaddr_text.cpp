// Multiaddr::from_string: any accepted text has a canonical form that parses back to the same bytes,
// and the binary form of any accepted text is itself accepted by from_bytes.
#include "fuzz_check.hpp"
#include "multiformats/multiaddr.hpp"

using namespace chiral;
using chiral::multiformats::Multiaddr;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = as_string_view(fuzz::input(data, size));
  auto addr = Multiaddr::from_string(text);
  if (!addr) return 0;
  FUZZ_CHECK(!addr->empty() && addr->bytes().size() <= Multiaddr::kMaxBinarySize);
  const std::string canonical = addr->to_string();
  auto again = Multiaddr::from_string(canonical);
  FUZZ_CHECK(again && again->bytes() == addr->bytes());
  FUZZ_CHECK(again->to_string() == canonical);
  auto binary = Multiaddr::from_bytes(addr->bytes());
  FUZZ_CHECK(binary && *binary == *addr);
  for (const auto& c : addr->components()) (void)c.value_string();
  (void)addr->ip_tcp();
  (void)addr->peer_id();
  (void)addr->without_p2p();
  return 0;
}
