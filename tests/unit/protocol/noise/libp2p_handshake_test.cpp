// libp2p Noise handshake in memory (libp2p/specs noise/README.md; connections/inlined-muxer-negotiation.md):
// success, muxer negotiation, payload/signature/identity failures, tampering and size bounds.
#include "protocol/noise/libp2p_handshake.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "proto/noise.pb.h"

namespace chiral::noise {
namespace {

using crypto::Ed25519PrivateKey;
using Muxers = std::vector<std::string>;

Bytes body_of(const Bytes& framed) {
  auto f = decode_raw_frame(framed);
  EXPECT_TRUE(f);
  EXPECT_EQ(f->consumed, framed.size());
  return Bytes(f->body.begin(), f->body.end());
}

struct Outcome {
  error_code init_error;
  error_code resp_error;
};

// Runs the three messages; `tamper(index, body)` may alter message 1, 2 or 3 in flight.
Outcome run(Libp2pHandshake& init, Libp2pHandshake& resp, std::function<void(int, Bytes&)> tamper = {}) {
  Outcome o;
  auto s0 = init.on_start();
  EXPECT_TRUE(s0);
  auto r0 = resp.on_start();
  EXPECT_TRUE(r0 && r0->send.empty() && !r0->done);
  Bytes m1 = body_of(s0->send);
  EXPECT_EQ(m1.size(), 32u);  // "e" only: the initiator sends no payload in message 1
  if (tamper) tamper(1, m1);
  auto s1 = resp.on_message(m1);
  if (!s1) return o.resp_error = s1.error(), o;
  EXPECT_FALSE(s1->done);
  Bytes m2 = body_of(s1->send);
  if (tamper) tamper(2, m2);
  auto s2 = init.on_message(m2);
  if (!s2) return o.init_error = s2.error(), o;
  EXPECT_TRUE(s2->done);
  EXPECT_TRUE(init.done());
  Bytes m3 = body_of(s2->send);
  if (tamper) tamper(3, m3);
  auto s3 = resp.on_message(m3);
  if (!s3) return o.resp_error = s3.error(), o;
  EXPECT_TRUE(s3->done);
  EXPECT_TRUE(s3->send.empty());
  EXPECT_TRUE(resp.done());
  return o;
}

struct Identities {
  Ed25519PrivateKey init = Ed25519PrivateKey::generate();
  Ed25519PrivateKey resp = Ed25519PrivateKey::generate();
};

TEST(Libp2pHandshake, SucceedsAndKeysWork) {
  Identities ids;
  Libp2pHandshake init(Role::initiator, ids.init, Muxers{"/yamux/1.0.0"});
  Libp2pHandshake resp(Role::responder, ids.resp, Muxers{"/yamux/1.0.0"});
  auto o = run(init, resp);
  ASSERT_FALSE(o.init_error) << o.init_error.message();
  ASSERT_FALSE(o.resp_error) << o.resp_error.message();
  ASSERT_NE(init.remote_public_key(), nullptr);
  EXPECT_TRUE(*init.remote_public_key() == ids.resp.public_key());

  auto a = init.finish();
  auto b = resp.finish();
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(init.finish());  // once
  EXPECT_TRUE(a->remote_key == ids.resp.public_key());
  EXPECT_TRUE(b->remote_key == ids.init.public_key());
  EXPECT_EQ(a->muxer, "/yamux/1.0.0");
  EXPECT_EQ(b->muxer, "/yamux/1.0.0");
  EXPECT_EQ(a->handshake_hash, b->handshake_hash);

  // Both directions carry data.
  Bytes wire;
  ASSERT_TRUE(encrypt_frames(a->send, to_bytes("ping from initiator"), wire));
  FrameDecoder at_resp(std::move(b->recv));
  auto got = at_resp.decode(wire);
  ASSERT_TRUE(got && got->has_frame);
  EXPECT_EQ(as_string_view(got->plaintext), "ping from initiator");
  wire.clear();
  ASSERT_TRUE(encrypt_frames(b->send, to_bytes("pong"), wire));
  FrameDecoder at_init(std::move(a->recv));
  auto back = at_init.decode(wire);
  ASSERT_TRUE(back && back->has_frame);
  EXPECT_EQ(as_string_view(back->plaintext), "pong");

  // A flipped bit in a transport frame is an authentication error.
  wire.clear();
  ASSERT_TRUE(encrypt_frames(b->send, to_bytes("pong 2"), wire));
  wire.back() ^= 1;
  EXPECT_EQ(at_init.decode(wire).error(), make_error_code(NoiseError::decrypt_failed));
}

TEST(Libp2pHandshake, MuxerNegotiation) {
  struct Case {
    Muxers initiator, responder;
    std::string expected;
  };
  const Case cases[] = {
      {{"/yamux/1.0.0", "/mplex/6.7.0"}, {"/mplex/6.7.0", "/yamux/1.0.0"}, "/yamux/1.0.0"},  // spec example
      {{"/mplex/6.7.0", "/yamux/1.0.0"}, {"/yamux/1.0.0"}, "/yamux/1.0.0"},
      {{"/yamux/1.0.0"}, {"/mplex/6.7.0"}, ""},  // no overlap: fall back to multistream (as go does)
      {{}, {"/yamux/1.0.0"}, ""},                // rust-libp2p initiator sends none
      {{"/yamux/1.0.0"}, {}, ""},                // rust-libp2p responder sends none
      {{}, {}, ""},
  };
  for (const auto& c : cases) {
    Identities ids;
    Libp2pHandshake init(Role::initiator, ids.init, c.initiator);
    Libp2pHandshake resp(Role::responder, ids.resp, c.responder);
    auto o = run(init, resp);
    ASSERT_FALSE(o.init_error || o.resp_error);
    EXPECT_EQ(init.negotiated_muxer(), c.expected);
    EXPECT_EQ(resp.negotiated_muxer(), c.expected);
    EXPECT_EQ(init.remote_muxers(), c.responder);
    EXPECT_EQ(resp.remote_muxers(), c.initiator);
  }
}

TEST(Libp2pHandshake, ExpectedRemoteKey) {
  Identities ids;
  const auto stranger = Ed25519PrivateKey::generate();
  {
    Libp2pHandshakeOptions opts;
    opts.expected_remote_key = ids.resp.public_key().to_protobuf();
    Libp2pHandshake init(Role::initiator, ids.init, std::move(opts));
    Libp2pHandshake resp(Role::responder, ids.resp, Muxers{});
    auto o = run(init, resp);
    EXPECT_FALSE(o.init_error || o.resp_error);
  }
  {
    Libp2pHandshakeOptions opts;
    opts.expected_remote_key = stranger.public_key().to_protobuf();
    Libp2pHandshake init(Role::initiator, ids.init, std::move(opts));
    Libp2pHandshake resp(Role::responder, ids.resp, Muxers{});
    auto o = run(init, resp);
    EXPECT_EQ(o.init_error, make_error_code(NoiseError::peer_mismatch));
    EXPECT_EQ(init.remote_public_key(), nullptr);
    EXPECT_EQ(init.on_message(Bytes(10)).error(), make_error_code(NoiseError::handshake_failed));
    EXPECT_FALSE(init.finish());
  }
  {
    Libp2pHandshake init(Role::initiator, ids.init, Muxers{});
    Libp2pHandshake resp(Role::responder, ids.resp, Muxers{},
                         [](const crypto::PublicKey&) { return false; });
    auto o = run(init, resp);
    EXPECT_FALSE(o.init_error);
    EXPECT_EQ(o.resp_error, make_error_code(NoiseError::peer_mismatch));
  }
}

TEST(Libp2pHandshake, TamperedMessagesFailAuthentication) {
  for (int which : {2, 3}) {
    for (std::size_t offset : {std::size_t{0}, std::size_t{40}, std::size_t{90}}) {
      Identities ids;
      Libp2pHandshake init(Role::initiator, ids.init, Muxers{"/yamux/1.0.0"});
      Libp2pHandshake resp(Role::responder, ids.resp, Muxers{"/yamux/1.0.0"});
      auto o = run(init, resp, [&](int index, Bytes& m) {
        if (index == which) m[offset] ^= 0x10;
      });
      const error_code ec = which == 2 ? o.init_error : o.resp_error;
      EXPECT_EQ(ec, make_error_code(NoiseError::decrypt_failed)) << which << "/" << offset;
    }
  }
}

TEST(Libp2pHandshake, FlippedEphemeralInMessage1FailsLater) {
  Identities ids;
  Libp2pHandshake init(Role::initiator, ids.init, Muxers{});
  Libp2pHandshake resp(Role::responder, ids.resp, Muxers{});
  auto o = run(init, resp, [](int index, Bytes& m) {
    if (index == 1) m[5] ^= 1;
  });
  EXPECT_EQ(o.init_error, make_error_code(NoiseError::decrypt_failed));  // transcripts differ
}

// A hand-driven peer lets a test put any payload into message 2 or 3.
struct PayloadSpec {
  const Ed25519PrivateKey* key_owner = nullptr;     // identity_key field (null: omit)
  const Ed25519PrivateKey* signer = nullptr;        // who signs (null: no identity_sig)
  const crypto::X25519Key* signed_static = nullptr;  // which static key is signed (null: the real one)
  bool flip_signature_bit = false;
  Muxers muxers;
};

Bytes make_payload(const PayloadSpec& spec, const crypto::X25519Key& real_static) {
  pb::NoiseHandshakePayload p;
  if (spec.key_owner) {
    Bytes k = spec.key_owner->public_key().to_protobuf();
    p.set_identity_key(k.data(), k.size());
  }
  if (spec.signer) {
    Bytes msg = to_bytes(kStaticKeySignaturePrefix);
    append(msg, spec.signed_static ? *spec.signed_static : real_static);
    Bytes sig = spec.signer->sign(msg);
    if (spec.flip_signature_bit) sig[7] ^= 0x01;
    p.set_identity_sig(sig.data(), sig.size());
  }
  for (const auto& m : spec.muxers) p.mutable_extensions()->add_stream_muxers(m);
  Bytes out(p.ByteSizeLong());
  p.SerializeToArray(out.data(), static_cast<int>(out.size()));
  return out;
}

// Our initiator against a manual responder sending `payload` in message 2.
error_code initiator_receives(const Ed25519PrivateKey& init_id,
                              const std::function<Bytes(const crypto::X25519Key&)>& payload_for_static) {
  Libp2pHandshake init(Role::initiator, init_id, Muxers{"/yamux/1.0.0"});
  const auto static_kp = crypto::X25519KeyPair::generate();
  HandshakeState manual(Role::responder, static_kp, {});
  auto s0 = init.on_start();
  EXPECT_TRUE(manual.read_message(body_of(s0->send)));
  auto m2 = manual.write_message(payload_for_static(static_kp.pub));
  EXPECT_TRUE(m2);
  auto r = init.on_message(*m2);
  return r ? error_code{} : r.error();
}

// A manual initiator against our responder, sending `payload` in message 3.
error_code responder_receives(const Ed25519PrivateKey& resp_id,
                              const std::function<Bytes(const crypto::X25519Key&)>& payload_for_static) {
  Libp2pHandshake resp(Role::responder, resp_id, Muxers{"/yamux/1.0.0"});
  const auto static_kp = crypto::X25519KeyPair::generate();
  HandshakeState manual(Role::initiator, static_kp, {});
  EXPECT_TRUE(resp.on_start());
  auto m1 = manual.write_message({});
  auto s1 = resp.on_message(*m1);
  EXPECT_TRUE(s1);
  EXPECT_TRUE(manual.read_message(body_of(s1->send)));
  auto m3 = manual.write_message(payload_for_static(static_kp.pub));
  auto r = resp.on_message(*m3);
  return r ? error_code{} : r.error();
}

TEST(Libp2pHandshake, PayloadVerification) {
  Identities ids;
  const auto other = Ed25519PrivateKey::generate();
  const crypto::X25519Key wrong_static = crypto::X25519KeyPair::generate().pub;
  struct Case {
    const char* name;
    std::function<Bytes(const crypto::X25519Key&)> payload;
    error_code expected;
  };
  const Ed25519PrivateKey& peer = ids.resp;
  const std::vector<Case> cases = {
      {"valid", [&](auto& s) { return make_payload({&peer, &peer, nullptr, false, {}}, s); }, {}},
      {"flipped signature bit",
       [&](auto& s) { return make_payload({&peer, &peer, nullptr, true, {}}, s); },
       NoiseError::bad_signature},
      {"signature over another static key",
       [&](auto& s) { return make_payload({&peer, &peer, &wrong_static, false, {}}, s); },
       NoiseError::bad_signature},
      {"identity key of someone else than the signer",
       [&](auto& s) { return make_payload({&other, &peer, nullptr, false, {}}, s); },
       NoiseError::bad_signature},
      {"no signature", [&](auto& s) { return make_payload({&peer, nullptr, nullptr, false, {}}, s); },
       NoiseError::bad_signature},
      {"no identity key", [&](auto& s) { return make_payload({nullptr, &peer, nullptr, false, {}}, s); },
       NoiseError::invalid_payload},
      {"not a protobuf", [](auto&) { return Bytes{0xff, 0xff, 0xff}; }, NoiseError::invalid_payload},
      {"empty payload", [](auto&) { return Bytes{}; }, NoiseError::invalid_payload},
      {"unknown key type",
       [](auto&) {
         pb::NoiseHandshakePayload p;
         Bytes key = {0x08, 0x07, 0x12, 0x20};  // Type = 7, Data = 32 bytes
         key.resize(4 + 32, 0x11);
         p.set_identity_key(key.data(), key.size());
         p.set_identity_sig(std::string(64, 'x'));
         Bytes out(p.ByteSizeLong());
         p.SerializeToArray(out.data(), static_cast<int>(out.size()));
         return out;
       },
       NoiseError::invalid_identity_key},
      {"garbage identity key",
       [](auto&) {
         pb::NoiseHandshakePayload p;
         p.set_identity_key(std::string("\x08\x01\x12\x03", 4) + "abc");
         p.set_identity_sig(std::string(64, 'x'));
         Bytes out(p.ByteSizeLong());
         p.SerializeToArray(out.data(), static_cast<int>(out.size()));
         return out;
       },
       NoiseError::invalid_identity_key},
      {"oversize payload",
       [&](auto& s) {
         PayloadSpec spec{&peer, &peer, nullptr, false, {std::string(kMaxHandshakePayload, 'm')}};
         return make_payload(spec, s);
       },
       NoiseError::payload_too_large},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(initiator_receives(ids.init, c.payload), c.expected) << "initiator: " << c.name;
    EXPECT_EQ(responder_receives(ids.resp, c.payload), c.expected) << "responder: " << c.name;
  }
}

TEST(Libp2pHandshake, OrderAndSizeErrors) {
  Identities ids;
  {
    Libp2pHandshake resp(Role::responder, ids.resp, Muxers{});
    EXPECT_EQ(resp.on_message(Bytes(32)).error(), make_error_code(NoiseError::unexpected_message));
    EXPECT_EQ(resp.on_start().error(), make_error_code(NoiseError::handshake_failed));
  }
  {
    Libp2pHandshake resp(Role::responder, ids.resp, Muxers{});
    ASSERT_TRUE(resp.on_start());
    EXPECT_EQ(resp.on_message(Bytes(kMaxMessageSize + 1)).error(),
              make_error_code(NoiseError::message_too_large));
  }
  {
    Libp2pHandshake resp(Role::responder, ids.resp, Muxers{});
    ASSERT_TRUE(resp.on_start());
    EXPECT_EQ(resp.on_message(Bytes(31)).error(), make_error_code(NoiseError::message_too_short));
  }
  {
    Libp2pHandshake init(Role::initiator, ids.init, Muxers{});
    EXPECT_EQ(init.finish().error(), make_error_code(NoiseError::unexpected_message));
    ASSERT_TRUE(init.on_start());
    EXPECT_EQ(init.on_start().error(), make_error_code(NoiseError::unexpected_message));
  }
  {
    Libp2pHandshake resp(Role::responder, ids.resp, Muxers{});
    ASSERT_TRUE(resp.on_start());
    EXPECT_EQ(resp.on_message(Bytes(32, 0)).error(), make_error_code(NoiseError::bad_dh));  // low-order "e"
  }
}

TEST(Libp2pHandshake, InjectedKeysGiveDeterministicTranscript) {
  auto seed_i = Ed25519PrivateKey::from_seed(Bytes(32, 1));
  auto seed_r = Ed25519PrivateKey::from_seed(Bytes(32, 2));
  ASSERT_TRUE(seed_i && seed_r);
  auto make = [&](Role role) {
    Libp2pHandshakeOptions o;
    o.muxers = {"/yamux/1.0.0"};
    o.static_key = crypto::X25519KeyPair::from_private(Bytes(32, role == Role::initiator ? 3 : 4).data());
    o.ephemeral_key = crypto::X25519KeyPair::from_private(Bytes(32, role == Role::initiator ? 5 : 6).data());
    return Libp2pHandshake(role, role == Role::initiator ? *seed_i : *seed_r, std::move(o));
  };
  crypto::Sha256Digest first{};
  for (int round = 0; round < 2; ++round) {
    auto init = make(Role::initiator);
    auto resp = make(Role::responder);
    ASSERT_FALSE(run(init, resp).init_error);
    auto s = init.finish();
    ASSERT_TRUE(s);
    if (round == 0) first = s->handshake_hash;
    else EXPECT_EQ(s->handshake_hash, first);  // Ed25519 signatures are deterministic (RFC 8032)
  }
}

}  // namespace
}  // namespace chiral::noise
