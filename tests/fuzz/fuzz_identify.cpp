// identify Reader::feed (uvarint-framed protobufs, <= 10 messages of <= 8 KiB) and merge: the input is the
// remote's stream, fed in fuzz-sized chunks the way the service does (unconsumed bytes are fed again with
// more appended) and whole to a second reader. Properties: same outcome either way, and what we learned
// survives our own encoder (merge(encode(info)) gives it back unless encode had to drop addresses).
#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_check.hpp"
#include "protocol/identify/identify.hpp"

using namespace chiral;
using namespace chiral::identify;

static bool same(const Info& a, const Info& b) {
  return a.protocol_version == b.protocol_version && a.agent_version == b.agent_version &&
         a.public_key == b.public_key && a.listen_addrs == b.listen_addrs && a.observed_addr == b.observed_addr &&
         a.protocols == b.protocols && a.signed_peer_record == b.signed_peer_record;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider fdp(data, size);
  const auto chunk = fdp.ConsumeIntegralInRange<std::size_t>(1, 4096);
  const Bytes wire = fdp.ConsumeRemainingBytes<std::uint8_t>();
  Reader split, whole;
  Bytes pending;
  error_code ec_split;
  for (std::size_t off = 0; off < wire.size() && !ec_split; off += chunk) {
    append(pending, BytesView(wire).subspan(off, std::min(chunk, wire.size() - off)));
    auto n = split.feed(pending);
    if (!n) { ec_split = n.error(); break; }
    FUZZ_CHECK(*n <= pending.size());
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(*n));
  }
  auto n = whole.feed(wire);
  FUZZ_CHECK(ec_split == (n ? error_code{} : n.error()));
  if (!n) return 0;
  FUZZ_CHECK(*n + pending.size() == wire.size() && split.messages() == whole.messages());
  FUZZ_CHECK(same(split.info(), whole.info()) && whole.messages() <= kMaxRecvMessages);
  const Bytes encoded = encode(whole.info());  // only addresses are dropped; merged fields may exceed 8 KiB
  Info back;
  if (encoded.size() > kMaxRecvMessageSize) return 0;
  FUZZ_CHECK(!merge(back, encoded));
  if (back.listen_addrs.size() == whole.info().listen_addrs.size()) FUZZ_CHECK(same(back, whole.info()));
  return 0;
}
