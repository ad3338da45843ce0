// relay::IpAddr::parse / Subnet::parse (dotted quad, RFC 4291 text with "::" and dotted tail, CIDR) as
// used by ACL rules: accepted text has a canonical form that parses back equal; masking is idempotent and
// a subnet contains its own base.
#include "fuzz_check.hpp"
#include "relay/ip.hpp"

using namespace chiral;
using namespace chiral::relay;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = as_string_view(fuzz::input(data, size));
  if (auto ip = IpAddr::parse(text)) {
    auto again = IpAddr::parse(ip->to_string());
    FUZZ_CHECK(again && *again == *ip);
    auto raw = IpAddr::from_bytes(BytesView(ip->bytes.data(), ip->size()));
    FUZZ_CHECK(raw && *raw == *ip);
  }
  if (auto net = Subnet::parse(text)) {
    FUZZ_CHECK(net->prefix <= net->base.max_prefix() && net->base.masked(net->prefix) == net->base);
    FUZZ_CHECK(net->contains(net->base));
    auto again = Subnet::parse(net->to_string());
    FUZZ_CHECK(again && *again == *net);
  }
  return 0;
}
