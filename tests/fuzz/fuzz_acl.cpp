// relay::Acl::parse (the --acl-file text format: "<reserve|connect> <allow|deny> <peer|ip> <value>" lines,
// '#' comments): never crashes, names the failing line on error, and an accepted ACL answers allows() for
// a few fixed peers/addresses without crashing.
#include "fuzz_check.hpp"
#include "relay/acl.hpp"

using namespace chiral;
using namespace chiral::relay;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string why;
  auto acl = Acl::parse(as_string_view(fuzz::input(data, size)), &why);
  if (!acl) {
    FUZZ_CHECK(why.starts_with("line ") && why.size() < 400);
    return 0;
  }
  FUZZ_CHECK(why.empty() && acl->rule_count() <= size / 7);  // shortest rule: "x y z w" is 7 chars
  static const auto kPeer = multiformats::PeerId::from_public_key(
      crypto::Ed25519PrivateKey::from_seed(Bytes(32, 9))->public_key());
  for (const char* ip : {"10.1.2.3", "192.168.0.1", "::1", "2001:db8::7", "0.0.0.0"}) {
    for (const auto scope : {AclScope::reserve, AclScope::connect}) (void)acl->allows(scope, kPeer, *IpAddr::parse(ip));
  }
  return 0;
}
