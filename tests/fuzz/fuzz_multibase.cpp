// multibase::decode (prefix dispatch, base16/32/36/58btc/64 variants): whatever decodes re-encodes in
// the same base to text that decodes to the same bytes; and every encoder's output decodes back.
#include "fuzz_check.hpp"
#include "multiformats/multibase.hpp"

using namespace chiral;
namespace mb = chiral::multiformats::multibase;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const BytesView in = fuzz::input(data, size);
  if (auto d = mb::decode(as_string_view(in))) {
    const std::string text = mb::encode(d->base, d->data);
    FUZZ_CHECK(!text.empty() && text[0] == static_cast<char>(d->base));
    auto again = mb::decode(text);
    FUZZ_CHECK(again && again->base == d->base && again->data == d->data);
  }
  // Encoders on the raw input (bounded: base58/base36 are quadratic).
  if (size <= 512) {
    for (const char prefix : {'f', 'F', 'b', 'B', 'c', 'C', 'k', 'K', 'z', 'm', 'M', 'u', 'U'}) {
      const auto base = static_cast<mb::Base>(prefix);
      auto back = mb::decode(mb::encode(base, in));
      FUZZ_CHECK(back && back->base == base && back->data == Bytes(in.begin(), in.end()));
    }
  }
  return 0;
}
