// Noise XX responder (Libp2pHandshake) with fixed static/ephemeral keys. Mode "raw": the input is the
// initiator's wire bytes (2-byte-length-prefixed messages 1 and 3, anything in them). Mode "payload": a
// real initiator completes XX and message 3 carries a correctly signed NoiseHandshakePayload followed by
// fuzz bytes (protobuf fields that merge over it: other keys, signatures, muxer lists), then the initiator
// sends one transport frame. Property: no crash; a completed handshake yields a session that decrypts it.
#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_check.hpp"
#include "noise_fixture.hpp"
#include "proto/noise.pb.h"

using namespace chiral;
using namespace chiral::noise;
using crypto::X25519KeyPair;

static Bytes body_of(const Bytes& framed) {
  auto f = decode_raw_frame(framed);
  FUZZ_CHECK(f && f->consumed == framed.size());
  return Bytes(f->body.begin(), f->body.end());
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const X25519KeyPair kInitStatic = fuzz::fixed_x25519(3), kInitEph = fuzz::fixed_x25519(4);
  static const std::string kSignedPayload = [] {  // what a correct initiator sends in message 3
    pb::NoiseHandshakePayload payload;
    const Bytes key = fuzz::initiator_identity().public_key().to_protobuf();
    payload.set_identity_key(key.data(), key.size());
    Bytes signed_input(kStaticKeySignaturePrefix.begin(), kStaticKeySignaturePrefix.end());
    signed_input.insert(signed_input.end(), kInitStatic.pub.begin(), kInitStatic.pub.end());
    const Bytes sig = fuzz::initiator_identity().sign(signed_input);
    payload.set_identity_sig(sig.data(), sig.size());
    return payload.SerializeAsString();
  }();
  FuzzedDataProvider fdp(data, size);
  Libp2pHandshake resp = fuzz::make_responder();
  FUZZ_CHECK(resp.on_start());
  if (fdp.ConsumeBool()) {  // raw
    const Bytes wire = fdp.ConsumeRemainingBytes<std::uint8_t>();
    BytesView rest(wire);
    while (auto f = decode_raw_frame(rest)) {
      if (!resp.on_message(f->body)) return 0;
      rest = rest.subspan(f->consumed);
    }
    if (resp.done()) FUZZ_CHECK(resp.finish());
    return 0;
  }
  HandshakeState init(Role::initiator, kInitStatic, {}, kInitEph);
  auto m2 = resp.on_message(*init.write_message({}));
  FUZZ_CHECK(m2 && !m2->done);
  FUZZ_CHECK(init.read_message(body_of(m2->send)));
  const std::string serialized = kSignedPayload + fdp.ConsumeRandomLengthString(9000);
  auto m3 = init.write_message(as_bytes(serialized));
  if (!m3) return 0;  // over 65535 bytes
  auto done = resp.on_message(*m3);
  if (!done) return 0;
  FUZZ_CHECK(done->done && resp.done() && resp.remote_public_key() != nullptr);
  auto session = resp.finish();
  FUZZ_CHECK(session && !resp.finish());
  FUZZ_CHECK(session->muxer.empty() || session->muxer == "/yamux/1.0.0" || session->muxer == "/mplex/6.7.0");
  TransportCipher init_send(init.split().first);  // initiator -> responder
  const Bytes plain = fdp.ConsumeRemainingBytes<std::uint8_t>();
  Bytes frame;
  FUZZ_CHECK(encrypt_frames(init_send, plain, frame));
  FrameDecoder decoder(std::move(session->recv));
  auto out = decoder.decode(frame);
  FUZZ_CHECK(plain.empty() || (out && out->has_frame && Bytes(out->plaintext.begin(), out->plaintext.end()) == plain));
  return 0;
}
