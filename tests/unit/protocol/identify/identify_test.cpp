#include "protocol/identify/identify.hpp"

#include <gtest/gtest.h>

#include "core/uvarint.hpp"
#include "proto/identify.pb.h"

using namespace chiral;

namespace {
identify::Info sample() {
  identify::Info i;
  i.protocol_version = "/chiral/relay/1.0.0";
  i.agent_version = "chiral-relay/0.1.0";
  i.public_key = {0x08, 0x01, 0x12, 0x20};
  i.public_key.resize(36, 0xab);
  i.listen_addrs = {{0x04, 127, 0, 0, 1, 0x06, 0x0f, 0xa1}};
  i.observed_addr = {0x04, 10, 0, 0, 1, 0x06, 0x30, 0x39};
  i.protocols = {"/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"};
  return i;
}
}  // namespace

TEST(Identify, EncodeThenMergeRoundTrips) {
  const auto in = sample();
  const Bytes wire = identify::encode(in);
  identify::Info out;
  ASSERT_FALSE(identify::merge(out, wire));
  EXPECT_EQ(out.protocol_version, in.protocol_version);
  EXPECT_EQ(out.agent_version, in.agent_version);
  EXPECT_EQ(out.public_key, in.public_key);
  EXPECT_EQ(out.listen_addrs, in.listen_addrs);
  EXPECT_EQ(out.observed_addr, in.observed_addr);
  EXPECT_EQ(out.protocols, in.protocols);
}

TEST(Identify, WireFieldNumbersMatchSpec) {
  // publicKey=1, listenAddrs=2, protocols=3, observedAddr=4, protocolVersion=5, agentVersion=6.
  identify::Info i;
  i.agent_version = "a";
  i.protocol_version = "p";
  const Bytes wire = identify::encode(i);
  pb::Identify m;
  ASSERT_TRUE(m.ParseFromArray(wire.data(), static_cast<int>(wire.size())));
  // 0x2a = field 5 length-delimited, 0x32 = field 6.
  const std::string s(wire.begin(), wire.end());
  EXPECT_NE(s.find(std::string("\x2a\x01p", 3)), std::string::npos);
  EXPECT_NE(s.find(std::string("\x32\x01" "a", 3)), std::string::npos);
}

TEST(Identify, EncodeNeverExceeds4096) {
  auto i = sample();
  for (int n = 0; n < 500; ++n) i.listen_addrs.push_back(Bytes(20, static_cast<std::uint8_t>(n)));
  const Bytes wire = identify::encode(i);
  EXPECT_LE(wire.size(), identify::kMaxSendSize);
  identify::Info out;
  ASSERT_FALSE(identify::merge(out, wire));
  EXPECT_EQ(out.public_key, i.public_key);  // the key is never dropped
  EXPECT_GT(out.listen_addrs.size(), 10u);
}

TEST(Identify, ReaderMergesSplitMessages) {
  // go and js send the signed peer record in a second message.
  identify::Info a = sample();
  identify::Info b;
  b.signed_peer_record = {1, 2, 3};
  b.listen_addrs = {a.listen_addrs[0], {0x04, 1, 2, 3, 4, 0x06, 0, 80}};
  Bytes stream;
  uvarint::append_frame(stream, identify::encode(a));
  uvarint::append_frame(stream, identify::encode(b));
  identify::Reader r;
  // Feed byte by byte to exercise partial frames.
  Bytes pending;
  for (auto byte : stream) {
    pending.push_back(byte);
    auto used = r.feed(pending);
    ASSERT_TRUE(used);
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(*used));
  }
  EXPECT_TRUE(pending.empty());
  EXPECT_EQ(r.messages(), 2u);
  EXPECT_EQ(r.info().signed_peer_record, b.signed_peer_record);
  EXPECT_EQ(r.info().listen_addrs.size(), 2u);  // duplicate dropped
  EXPECT_EQ(r.info().agent_version, a.agent_version);
}

TEST(Identify, ReaderBounds) {
  Bytes stream;
  for (int i = 0; i < 11; ++i) uvarint::append_frame(stream, identify::encode(sample()));
  identify::Reader r;
  auto used = r.feed(stream);
  ASSERT_FALSE(used);
  EXPECT_EQ(used.error(), make_error_code(identify::IdentifyError::too_many_messages));

  Bytes big;
  uvarint::append(big, identify::kMaxRecvMessageSize + 1);
  identify::Reader r2;
  EXPECT_EQ(r2.feed(big).error(), make_error_code(identify::IdentifyError::message_too_large));

  Bytes garbage = {0x03, 0xff, 0xff, 0xff};
  identify::Reader r3;
  EXPECT_EQ(r3.feed(garbage).error(), make_error_code(identify::IdentifyError::malformed));
}
