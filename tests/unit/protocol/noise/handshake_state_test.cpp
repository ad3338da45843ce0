// Noise_XX_25519_ChaChaPoly_SHA256 against the cacophony/snow vectors (tests/vectors/), byte for byte,
// plus HandshakeState misuse and malformed-input cases (Noise spec rev 34 sections 5.3, 7.5).
#include "protocol/noise/handshake_state.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "protocol/noise/transport.hpp"

namespace chiral::noise {
namespace {

Bytes hex(const std::string& h) {
  Bytes out;
  EXPECT_TRUE(from_hex(h, out)) << h;
  return out;
}

crypto::X25519KeyPair key_pair(const std::string& h) { return crypto::X25519KeyPair::from_private(hex(h).data()); }

nlohmann::json load_vectors() {
  std::ifstream in(std::string(CHIRAL_VECTORS_DIR) + "/noise_xx_25519_chachapoly_sha256.json");
  EXPECT_TRUE(in.good());
  return nlohmann::json::parse(in);
}

TEST(NoiseXXVectors, EveryMessageByteForByte) {
  const auto doc = load_vectors();
  ASSERT_GE(doc["vectors"].size(), 2u);
  for (const auto& v : doc["vectors"]) {
    SCOPED_TRACE(v["source"].get<std::string>());
    ASSERT_EQ(v["protocol_name"], std::string(kProtocolName));
    HandshakeState init(Role::initiator, key_pair(v["init_static"]), hex(v["init_prologue"]),
                        key_pair(v["init_ephemeral"]));
    HandshakeState resp(Role::responder, key_pair(v["resp_static"]), hex(v["resp_prologue"]),
                        key_pair(v["resp_ephemeral"]));
    const auto& messages = v["messages"];
    ASSERT_GE(messages.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
      SCOPED_TRACE("handshake message " + std::to_string(i));
      HandshakeState& writer = i % 2 == 0 ? init : resp;
      HandshakeState& reader = i % 2 == 0 ? resp : init;
      const Bytes payload = hex(messages[i]["payload"]);
      auto written = writer.write_message(payload);
      ASSERT_TRUE(written) << written.error().message();
      EXPECT_EQ(to_hex(*written), messages[i]["ciphertext"].get<std::string>());
      auto read = reader.read_message(*written);
      ASSERT_TRUE(read) << read.error().message();
      EXPECT_EQ(*read, payload);
    }
    ASSERT_TRUE(init.complete());
    ASSERT_TRUE(resp.complete());
    EXPECT_EQ(init.handshake_hash(), resp.handshake_hash());
    if (v.contains("handshake_hash")) {
      EXPECT_EQ(to_hex(init.handshake_hash()), v["handshake_hash"].get<std::string>());
    }
    EXPECT_EQ(init.remote_static(), key_pair(v["resp_static"]).pub);
    EXPECT_EQ(resp.remote_static(), key_pair(v["init_static"]).pub);

    auto [i_c1, i_c2] = init.split();
    auto [r_c1, r_c2] = resp.split();
    TransportCipher init_send(std::move(i_c1)), init_recv(std::move(i_c2));
    TransportCipher resp_recv(std::move(r_c1)), resp_send(std::move(r_c2));
    for (std::size_t i = 3; i < messages.size(); ++i) {
      SCOPED_TRACE("transport message " + std::to_string(i));
      const bool from_initiator = i % 2 == 0;
      TransportCipher& sender = from_initiator ? init_send : resp_send;
      TransportCipher& receiver = from_initiator ? resp_recv : init_recv;
      const Bytes payload = hex(messages[i]["payload"]);
      Bytes out(payload.size() + kTagSize);
      auto n = sender.encrypt(payload, out.data());
      ASSERT_TRUE(n);
      EXPECT_EQ(to_hex(out), messages[i]["ciphertext"].get<std::string>());
      auto m = receiver.decrypt(out, out.data());
      ASSERT_TRUE(m);
      EXPECT_EQ(Bytes(out.begin(), out.begin() + *m), payload);
    }
  }
}

struct Parties {
  HandshakeState init{Role::initiator, crypto::X25519KeyPair::generate(), {}};
  HandshakeState resp{Role::responder, crypto::X25519KeyPair::generate(), {}};
};

TEST(HandshakeState, TurnOrderIsEnforced) {
  Parties p;
  EXPECT_TRUE(p.init.is_my_turn());
  EXPECT_FALSE(p.resp.is_my_turn());
  auto bad = p.resp.write_message({});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), make_error_code(NoiseError::unexpected_message));
  EXPECT_EQ(p.init.read_message(Bytes(32)).error(), make_error_code(NoiseError::unexpected_message));

  auto m1 = p.init.write_message({});
  ASSERT_TRUE(m1);
  EXPECT_EQ(m1->size(), 32u);  // "e" and an unencrypted empty payload
  ASSERT_TRUE(p.resp.read_message(*m1));
  auto m2 = p.resp.write_message(to_bytes("hello"));
  ASSERT_TRUE(m2);
  EXPECT_EQ(m2->size(), 32u + 48u + 5u + 16u);
  auto payload = p.init.read_message(*m2);
  ASSERT_TRUE(payload);
  EXPECT_EQ(*payload, to_bytes("hello"));
  auto m3 = p.init.write_message({});
  ASSERT_TRUE(m3);
  ASSERT_TRUE(p.resp.read_message(*m3));
  EXPECT_TRUE(p.init.complete());
  EXPECT_TRUE(p.resp.complete());
  EXPECT_EQ(p.init.write_message({}).error(), make_error_code(NoiseError::unexpected_message));
  EXPECT_EQ(p.init.handshake_hash(), p.resp.handshake_hash());
}

TEST(HandshakeState, TruncatedAndTamperedMessagesFail) {
  {
    Parties p;
    auto r = p.resp.read_message(Bytes(31));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(NoiseError::message_too_short));
    EXPECT_EQ(p.resp.read_message(Bytes(32)).error(), make_error_code(NoiseError::handshake_failed));
  }
  {
    Parties p;
    auto m1 = p.init.write_message({});
    ASSERT_TRUE(p.resp.read_message(*m1));
    auto m2 = p.resp.write_message({});
    Bytes cut(m2->begin(), m2->begin() + 32 + 40);  // inside the encrypted "s"
    EXPECT_EQ(p.init.read_message(cut).error(), make_error_code(NoiseError::message_too_short));
  }
  {
    Parties p;
    auto m1 = p.init.write_message({});
    ASSERT_TRUE(p.resp.read_message(*m1));
    auto m2 = p.resp.write_message(to_bytes("x"));
    (*m2)[m2->size() - 1] ^= 0x80;  // payload tag
    EXPECT_EQ(p.init.read_message(*m2).error(), make_error_code(NoiseError::decrypt_failed));
    EXPECT_FALSE(p.init.complete());
  }
}

TEST(HandshakeState, LowOrderEphemeralIsRejected) {
  Parties p;
  ASSERT_TRUE(p.resp.read_message(Bytes(32, 0)));  // "e" = 0: accepted when read ...
  auto m2 = p.resp.write_message({});               // ... refused at the "ee" DH
  ASSERT_FALSE(m2);
  EXPECT_EQ(m2.error(), make_error_code(NoiseError::bad_dh));
}

TEST(HandshakeState, OversizeMessages) {
  Parties p;
  EXPECT_EQ(p.resp.read_message(Bytes(kMaxMessageSize + 1)).error(),
            make_error_code(NoiseError::message_too_large));
  auto m1 = p.init.write_message(Bytes(kMaxMessageSize - 32 + 1));
  ASSERT_FALSE(m1);
  EXPECT_EQ(m1.error(), make_error_code(NoiseError::message_too_large));
  Parties q;
  auto ok = q.init.write_message(Bytes(kMaxMessageSize - 32));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->size(), kMaxMessageSize);
}

TEST(HandshakeState, PrologueMismatchFails) {
  HandshakeState init(Role::initiator, crypto::X25519KeyPair::generate(), to_bytes("a"));
  HandshakeState resp(Role::responder, crypto::X25519KeyPair::generate(), to_bytes("b"));
  auto m1 = init.write_message({});
  ASSERT_TRUE(resp.read_message(*m1));
  auto m2 = resp.write_message({});
  EXPECT_EQ(init.read_message(*m2).error(), make_error_code(NoiseError::decrypt_failed));
}

}  // namespace
}  // namespace chiral::noise
