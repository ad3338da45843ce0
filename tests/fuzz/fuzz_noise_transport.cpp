// Noise transport FrameDecoder (2-byte length + ChaChaPoly ciphertext) with a fixed key. The input scripts a
// sender: frames it really encrypts (small and > 65519-byte plaintexts), garbage, bit flips; the result is
// fed in fuzz-chosen chunks to decode() or decode_in_place(). Property: what decrypts is exactly a prefix
// of what was sent, all of it when nothing was tampered with, and every call makes progress.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>

#include "fuzz_check.hpp"
#include "protocol/noise/transport.hpp"

using namespace chiral;
using namespace chiral::noise;

static TransportCipher keyed() {
  CipherState c;
  c.initialize_key(CipherKey{0x07, 0x01, 0x02, 0x03});
  return TransportCipher(std::move(c));
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider fdp(data, size);
  const auto chunk = fdp.ConsumeIntegralInRange<std::size_t>(1, 70000);
  const bool in_place = fdp.ConsumeBool();
  TransportCipher sender = keyed();
  static Bytes wire, sent, got;  // reused: fresh 64 KiB+ buffers per run cost more than the code under test
  wire.clear(), sent.clear(), got.clear();
  bool tampered = false;
  while (fdp.remaining_bytes() > 0) {
    const auto op = fdp.ConsumeIntegralInRange<int>(0, 15);
    if (op <= 10) {  // a real frame
      const Bytes plain = fdp.ConsumeBytes<std::uint8_t>(fdp.ConsumeIntegralInRange<std::size_t>(0, 256));
      FUZZ_CHECK(encrypt_frames(sender, plain, wire));
      append(sent, plain);
    } else if (op == 11) {  // rarely (big allocations are slow under ASan): more than one maximal frame
      static const Bytes kBig(kMaxFramePlaintext + 255, 0x5a);
      const BytesView plain = BytesView(kBig).first(kMaxFramePlaintext + fdp.ConsumeIntegral<std::uint8_t>());
      FUZZ_CHECK(encrypt_frames(sender, plain, wire));
      append(sent, plain);
    } else if (op <= 13) {
      append(wire, fdp.ConsumeBytes<std::uint8_t>(fdp.ConsumeIntegralInRange<std::size_t>(1, 32)));
      tampered = true;
    } else if (!wire.empty()) {
      wire[fdp.ConsumeIntegralInRange<std::size_t>(0, wire.size() - 1)] ^= 1u << fdp.ConsumeIntegralInRange(0, 7);
      tampered = true;
    }
  }
  FrameDecoder decoder(keyed());
  const std::size_t step = std::max(chunk, wire.size() / 2048);  // tiny reads of 64 KiB frames teach nothing new
  error_code ec;
  for (std::size_t off = 0; off < wire.size() && !ec; off += step) {
    MutableBytesView piece(wire.data() + off, std::min(step, wire.size() - off));
    while (!piece.empty()) {
      auto r = in_place ? decoder.decode_in_place(piece) : decoder.decode(piece);
      if (!r) { ec = r.error(); break; }
      FUZZ_CHECK(r->consumed > 0 && r->consumed <= piece.size());
      if (r->has_frame) append(got, r->plaintext);
      piece = piece.subspan(r->consumed);
    }
  }
  FUZZ_CHECK(got.size() <= sent.size() && std::equal(got.begin(), got.end(), sent.begin()));
  if (!tampered) FUZZ_CHECK(!ec && got == sent && decoder.buffered() == 0);
  return 0;
}
