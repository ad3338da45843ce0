// libp2p Noise transport framing: TransportCipher, encrypt_frames, FrameDecoder (libp2p/specs noise "Wire
// Format"): frame limits, nonce exhaustion, tampering and input split at every byte boundary.
#include "protocol/noise/transport.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace chiral::noise {
namespace {

CipherState keyed(std::uint8_t fill) {
  CipherState cs;
  CipherKey key;
  key.fill(fill);
  cs.initialize_key(key);
  return cs;
}

// Sender/receiver pair sharing one key.
struct Link {
  TransportCipher send{keyed(7)};
  FrameDecoder recv{TransportCipher(keyed(7))};
};

Bytes pattern(std::size_t n, std::uint8_t seed = 0) {
  Bytes b(n);
  std::iota(b.begin(), b.end(), seed);
  return b;
}

// Feeds `wire` in the given pieces and returns the concatenated plaintexts and the frame count.
Result<std::pair<Bytes, std::size_t>> feed(FrameDecoder& dec, BytesView wire, std::vector<std::size_t> cuts) {
  Bytes plain;
  std::size_t frames = 0;
  std::size_t pos = 0;
  cuts.push_back(wire.size());
  for (std::size_t cut : cuts) {
    BytesView piece = wire.subspan(pos, cut - pos);
    pos = cut;
    while (!piece.empty()) {
      auto out = dec.decode(piece);
      if (!out) return out.error();
      if (out->consumed == 0) return make_error_code(CoreError::invalid_argument);  // would loop
      piece = piece.subspan(out->consumed);
      if (out->has_frame) {
        append(plain, out->plaintext);
        ++frames;
      }
    }
  }
  return std::pair{plain, frames};
}

TEST(TransportCipher, FrameSizeLimits) {
  TransportCipher c(keyed(1));
  Bytes big(kMaxFramePlaintext + 1 + kTagSize);
  auto r = c.encrypt(BytesView(big.data(), kMaxFramePlaintext + 1), big.data());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(NoiseError::frame_too_large));
  EXPECT_EQ(c.nonce(), 0u);
  auto ok = c.encrypt(BytesView(big.data(), kMaxFramePlaintext), big.data());
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, kMaxFrameBody);
  EXPECT_EQ(c.decrypt(BytesView(big.data(), 15), big.data()).error(), make_error_code(NoiseError::frame_too_short));
}

TEST(TransportCipher, NonceTwoToThe64MinusOneIsReserved) {
  TransportCipher send(keyed(3)), recv(keyed(3));
  send.set_nonce(CipherState::kMaxNonce - 1);
  recv.set_nonce(CipherState::kMaxNonce - 1);
  Bytes buf(4 + kTagSize);
  ASSERT_TRUE(send.encrypt(BytesView(buf.data(), 4), buf.data()));
  ASSERT_TRUE(recv.decrypt(buf, buf.data()));
  EXPECT_EQ(send.encrypt(BytesView(buf.data(), 4), buf.data()).error(),
            make_error_code(NoiseError::nonce_exhausted));
  EXPECT_EQ(recv.decrypt(buf, buf.data()).error(), make_error_code(NoiseError::nonce_exhausted));

  TransportCipher c(keyed(3));
  c.set_nonce(CipherState::kMaxNonce - 1);
  Bytes out;
  auto r = encrypt_frames(c, Bytes(kMaxFramePlaintext + 1), out);  // needs two nonces
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(NoiseError::nonce_exhausted));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(c.nonce(), CipherState::kMaxNonce - 1);
}

TEST(EncryptFrames, SplitsAtMaxPlaintextAndRoundTrips) {
  Link link;
  const Bytes data = pattern(2 * kMaxFramePlaintext + 5);
  Bytes wire = to_bytes("xy");  // appends after existing content
  auto n = encrypt_frames(link.send, data, wire);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, encrypted_frames_size(data.size()));
  EXPECT_EQ(*n, data.size() + 3 * (kFrameHeaderSize + kTagSize));
  ASSERT_EQ(wire.size(), 2 + *n);
  EXPECT_EQ(wire[2], 0xff);  // first frame: 65535 bytes
  EXPECT_EQ(wire[3], 0xff);
  EXPECT_EQ(link.send.nonce(), 3u);
  auto got = feed(link.recv, BytesView(wire).subspan(2), {});
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->first, data);
  EXPECT_EQ(got->second, 3u);

  // No reallocation once capacity is there.
  wire.clear();
  const auto* before = wire.data();
  ASSERT_TRUE(encrypt_frames(link.send, data, wire));
  EXPECT_EQ(wire.data(), before);
  Bytes empty_out;
  EXPECT_EQ(*encrypt_frames(link.send, {}, empty_out), 0u);
  EXPECT_TRUE(empty_out.empty());
}

TEST(FrameDecoder, EverySplitPoint) {
  // Frames of 0, 1, 17 and 300 plaintext bytes.
  Bytes wire, expected;
  {
    TransportCipher send(keyed(9));
    for (std::size_t size : {0u, 1u, 17u, 300u}) {
      Bytes chunk = pattern(size, static_cast<std::uint8_t>(size));
      if (size == 0) {
        Bytes frame(kFrameHeaderSize + kTagSize);
        frame[1] = kTagSize;
        ASSERT_TRUE(send.encrypt({}, frame.data() + kFrameHeaderSize));
        append(wire, frame);
      } else {
        ASSERT_TRUE(encrypt_frames(send, chunk, wire));
      }
      append(expected, chunk);
    }
  }
  for (std::size_t a = 0; a <= wire.size(); ++a) {
    FrameDecoder dec{TransportCipher(keyed(9))};
    auto got = feed(dec, wire, {a});
    ASSERT_TRUE(got) << "split at " << a << ": " << got.error().message();
    EXPECT_EQ(got->first, expected) << a;
    EXPECT_EQ(got->second, 4u) << a;
    EXPECT_EQ(dec.buffered(), 0u);
  }
  // Three pieces, a coarse grid of the two cut points.
  for (std::size_t a = 0; a <= wire.size(); a += 7) {
    for (std::size_t b = a; b <= wire.size(); b += 11) {
      FrameDecoder dec{TransportCipher(keyed(9))};
      auto got = feed(dec, wire, {a, b});
      ASSERT_TRUE(got);
      EXPECT_EQ(got->first, expected);
    }
  }
}

TEST(FrameDecoder, ByteAtATimeLargeFramesBoundedBuffer) {
  Link link;
  const Bytes data = pattern(kMaxFramePlaintext + 1000, 3);
  Bytes wire;
  ASSERT_TRUE(encrypt_frames(link.send, data, wire));
  Bytes plain;
  std::size_t max_buffered = 0;
  for (std::uint8_t byte : wire) {
    auto out = link.recv.decode(BytesView(&byte, 1));
    ASSERT_TRUE(out);
    ASSERT_EQ(out->consumed, 1u);
    max_buffered = std::max(max_buffered, link.recv.buffered());
    if (out->has_frame) append(plain, out->plaintext);
  }
  EXPECT_EQ(plain, data);
  EXPECT_LE(max_buffered, kFrameHeaderSize + kMaxFrameBody);
}

TEST(FrameDecoder, DecodeInPlace) {
  Link link;
  const Bytes data = pattern(1000, 5);
  Bytes wire;
  ASSERT_TRUE(encrypt_frames(link.send, data, wire));
  ASSERT_TRUE(encrypt_frames(link.send, data, wire));
  MutableBytesView in(wire);
  auto out = link.recv.decode_in_place(in);
  ASSERT_TRUE(out);
  ASSERT_TRUE(out->has_frame);
  EXPECT_EQ(out->plaintext.data(), wire.data() + kFrameHeaderSize);  // no copy
  EXPECT_EQ(Bytes(out->plaintext.begin(), out->plaintext.end()), data);
  // Second frame arrives in two pieces: falls back to buffering.
  in = in.subspan(out->consumed);
  auto part = link.recv.decode_in_place(in.first(10));
  ASSERT_TRUE(part);
  EXPECT_FALSE(part->has_frame);
  auto rest = link.recv.decode_in_place(in.subspan(10));
  ASSERT_TRUE(rest);
  ASSERT_TRUE(rest->has_frame);
  EXPECT_EQ(Bytes(rest->plaintext.begin(), rest->plaintext.end()), data);
}

TEST(FrameDecoder, FlippedBitIsFatal) {
  Link link;
  Bytes wire;
  ASSERT_TRUE(encrypt_frames(link.send, pattern(50), wire));
  ASSERT_TRUE(encrypt_frames(link.send, pattern(50), wire));
  wire[kFrameHeaderSize + 10] ^= 0x04;
  auto out = link.recv.decode(wire);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error(), make_error_code(NoiseError::decrypt_failed));
  // Sticky: the second (valid) frame is not accepted any more.
  EXPECT_EQ(link.recv.decode(BytesView(wire).subspan(kFrameHeaderSize + 50 + kTagSize)).error(),
            make_error_code(NoiseError::decrypt_failed));
}

TEST(FrameDecoder, ReorderedFramesFail) {
  Link link;
  Bytes first, second;
  ASSERT_TRUE(encrypt_frames(link.send, pattern(5), first));
  ASSERT_TRUE(encrypt_frames(link.send, pattern(5), second));
  EXPECT_EQ(link.recv.decode(second).error(), make_error_code(NoiseError::decrypt_failed));
}

TEST(FrameDecoder, FrameShorterThanTagIsRejected) {
  Link link;
  const std::uint8_t wire[] = {0x00, 0x0f, 1, 2, 3};
  EXPECT_EQ(link.recv.decode(wire).error(), make_error_code(NoiseError::frame_too_short));
  Link slow;
  ASSERT_TRUE(slow.recv.decode(BytesView(wire, 1)));
  EXPECT_EQ(slow.recv.decode(BytesView(wire + 1, 1)).error(), make_error_code(NoiseError::frame_too_short));
}

TEST(RawFrame, DecodeAndAppend) {
  Bytes out;
  ASSERT_TRUE(append_raw_frame(out, to_bytes("abc")));
  EXPECT_EQ(to_hex(out), "0003616263");
  EXPECT_EQ(decode_raw_frame(BytesView(out).first(4)).error(), make_error_code(CoreError::truncated));
  auto f = decode_raw_frame(out);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->consumed, 5u);
  EXPECT_EQ(as_string_view(f->body), "abc");
  Bytes big(kMaxFrameBody + 1);
  EXPECT_EQ(append_raw_frame(out, big).error(), make_error_code(NoiseError::message_too_large));
}

}  // namespace
}  // namespace chiral::noise
