// uvarint::decode / decode_frame (multiformats unsigned-varint): never read past the input, and whatever
// decodes re-encodes to the same bytes (only minimal encodings are accepted).
#include <cstring>

#include "core/uvarint.hpp"
#include "fuzz_check.hpp"

using namespace chiral;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const BytesView in = fuzz::input(data, size);
  if (auto d = uvarint::decode(in)) {
    FUZZ_CHECK(d->consumed >= 1 && d->consumed <= uvarint::kMaxBytes && d->consumed <= size);
    const Bytes again = uvarint::encode(d->value);
    FUZZ_CHECK(again.size() == d->consumed && uvarint::encoded_size(d->value) == d->consumed);
    FUZZ_CHECK(std::memcmp(again.data(), data, again.size()) == 0);
  }
  // Frames with a small and a large limit, walked to the end as a stream parser would.
  for (const std::size_t max_len : {std::size_t{16}, std::size_t{4096}}) {
    BytesView rest = in;
    while (auto f = uvarint::decode_frame(rest, max_len)) {
      FUZZ_CHECK(f->body.size() <= max_len && f->consumed <= rest.size() && f->consumed > f->body.size());
      Bytes reframed;
      uvarint::append_frame(reframed, f->body);
      FUZZ_CHECK(reframed.size() == f->consumed && std::memcmp(reframed.data(), rest.data(), f->consumed) == 0);
      rest = rest.subspan(f->consumed);
    }
  }
  return 0;
}
