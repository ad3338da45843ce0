// Tests for the Yamux frame header codec (hashicorp/yamux spec.md "Framing").
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "protocol/yamux/error.hpp"
#include "protocol/yamux/frame.hpp"

using namespace chiral;
using namespace chiral::yamux;

namespace {
Bytes hex(const char* h) {
  Bytes b;
  EXPECT_TRUE(from_hex(h, b)) << h;
  return b;
}
std::string encode(const Header& h) {
  Bytes out;
  append_header(out, h);
  return to_hex(out);
}
}  // namespace

TEST(YamuxFrame, ByteVectors) {
  struct V {
    Header h;
    const char* hex;
  } vectors[] = {
      // Open stream 1 with a Data frame carrying 5 bytes.
      {{0, FrameType::data, flags::syn, 1, 5}, "000000010000000100000005"},
      // Accept stream 1: WindowUpdate|ACK, delta 0 (default 256 KiB window).
      {{0, FrameType::window_update, flags::ack, 1, 0}, "000100020000000100000000"},
      // Announce a 16 MiB window with the SYN: delta 16 MiB - 256 KiB = 0x00fc0000.
      {{0, FrameType::window_update, flags::syn, 2, 0x00fc0000}, "000100010000000200fc0000"},
      // Half-close and reset, as go-yamux sends them.
      {{0, FrameType::window_update, flags::fin, 3, 0}, "000100040000000300000000"},
      {{0, FrameType::window_update, flags::rst, 4, 0}, "000100080000000400000000"},
      // Ping request and response on the session id 0, echoing the opaque value.
      {{0, FrameType::ping, flags::syn, 0, 0xdeadbeef}, "0002000100000000deadbeef"},
      {{0, FrameType::ping, flags::ack, 0, 0xdeadbeef}, "0002000200000000deadbeef"},
      // GoAway normal / protocol error / internal error.
      {{0, FrameType::go_away, 0, 0, 0}, "000300000000000000000000"},
      {{0, FrameType::go_away, 0, 0, 1}, "000300000000000000000001"},
      {{0, FrameType::go_away, 0, 0, 2}, "000300000000000000000002"},
      // Data|FIN with a big stream id and length.
      {{0, FrameType::data, flags::fin | flags::ack, 0x80000001, 0x00040000}, "000000068000000100040000"},
  };
  for (const auto& v : vectors) {
    const std::string expected = v.hex;
    EXPECT_EQ(encode(v.h), expected);
    auto d = decode_header(hex(expected.c_str()));
    ASSERT_TRUE(d) << expected;
    EXPECT_EQ(*d, v.h);
  }
}

TEST(YamuxFrame, DecodeErrors) {
  EXPECT_EQ(decode_header(hex("0100000100000001000000")).error(), CoreError::truncated);
  EXPECT_EQ(decode_header(hex("010000010000000100000005")).error(), YamuxError::bad_version);
  EXPECT_EQ(decode_header(hex("000400000000000000000000")).error(), YamuxError::bad_frame_type);
  EXPECT_EQ(decode_header(hex("00ff00000000000000000000")).error(), YamuxError::bad_frame_type);
  // Unknown flag bits are carried, not rejected.
  auto d = decode_header(hex("0000f0010000000100000000"));
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->has(flags::syn));
  EXPECT_EQ(d->flags, 0xf001);
}
