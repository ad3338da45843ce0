// libp2p Noise transport framing and per-direction ciphers (libp2p/specs noise/README.md "Wire Format").
#include "protocol/noise/transport.hpp"

#include <cstring>

namespace chiral::noise {

namespace {
std::size_t read_be16(const std::uint8_t* p) noexcept { return std::size_t{p[0]} << 8 | p[1]; }
void write_be16(std::uint8_t* p, std::size_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
}  // namespace

Result<std::size_t> TransportCipher::encrypt(BytesView plaintext, std::uint8_t* out) noexcept {
  if (plaintext.size() > kMaxFramePlaintext) return NoiseError::frame_too_large;
  return state_.encrypt_with_ad({}, plaintext, out);
}

Result<std::size_t> TransportCipher::decrypt(BytesView ciphertext, std::uint8_t* out) noexcept {
  if (ciphertext.size() < kTagSize) return NoiseError::frame_too_short;
  if (ciphertext.size() > kMaxFrameBody) return NoiseError::frame_too_large;
  return state_.decrypt_with_ad({}, ciphertext, out);
}

Result<RawFrame> decode_raw_frame(BytesView in) noexcept {
  if (in.size() < kFrameHeaderSize) return CoreError::truncated;
  const std::size_t len = read_be16(in.data());
  if (in.size() < kFrameHeaderSize + len) return CoreError::truncated;
  return RawFrame{in.subspan(kFrameHeaderSize, len), kFrameHeaderSize + len};
}

Result<void> append_raw_frame(Bytes& out, BytesView body) {
  if (body.size() > kMaxFrameBody) return NoiseError::message_too_large;
  const std::size_t start = out.size();
  out.resize(start + kFrameHeaderSize + body.size());
  write_be16(out.data() + start, body.size());
  if (!body.empty()) std::memcpy(out.data() + start + kFrameHeaderSize, body.data(), body.size());
  return {};
}

std::size_t encrypted_frames_size(std::size_t plaintext_size) noexcept {
  const std::size_t frames = (plaintext_size + kMaxFramePlaintext - 1) / kMaxFramePlaintext;
  return plaintext_size + frames * (kFrameHeaderSize + kTagSize);
}

Result<std::size_t> encrypt_frames(TransportCipher& cipher, BytesView plaintext, std::uint8_t* out) noexcept {
  const std::size_t frames = (plaintext.size() + kMaxFramePlaintext - 1) / kMaxFramePlaintext;
  // Nonces n .. n+frames-1 must all stay below the reserved 2^64-1.
  if (frames > CipherState::kMaxNonce - cipher.nonce()) return NoiseError::nonce_exhausted;
  std::uint8_t* p = out;
  while (!plaintext.empty()) {
    const std::size_t chunk = plaintext.size() < kMaxFramePlaintext ? plaintext.size() : kMaxFramePlaintext;
    write_be16(p, chunk + kTagSize);
    auto written = cipher.encrypt(plaintext.first(chunk), p + kFrameHeaderSize);
    if (!written) return written.error();  // unreachable after the checks above
    p += kFrameHeaderSize + *written;
    plaintext = plaintext.subspan(chunk);
  }
  return static_cast<std::size_t>(p - out);
}

Result<std::size_t> encrypt_frames(TransportCipher& cipher, BytesView plaintext, Bytes& out) {
  if (plaintext.empty()) return 0;
  const std::size_t start = out.size();
  out.resize(start + encrypted_frames_size(plaintext.size()));
  auto r = encrypt_frames(cipher, plaintext, out.data() + start);
  if (!r) out.resize(start);
  return r;
}

Result<FrameDecoder::Output> FrameDecoder::fail(error_code ec) noexcept {
  error_ = ec;
  header_len_ = body_len_ = 0;
  return ec;
}

void FrameDecoder::ensure_capacity(std::size_t n) {
  if (n > capacity_) {
    buf_ = std::make_unique_for_overwrite<std::uint8_t[]>(n);
    capacity_ = n;
  }
}

Result<FrameDecoder::Output> FrameDecoder::decode(BytesView in) noexcept {
  if (error_) return error_;
  // Fast path: nothing buffered and the whole frame is in `in`: decrypt straight into our buffer.
  if (header_len_ == 0 && in.size() >= kFrameHeaderSize) {
    const std::size_t len = read_be16(in.data());
    if (len < kTagSize) return fail(make_error_code(NoiseError::frame_too_short));
    if (in.size() >= kFrameHeaderSize + len) {
      ensure_capacity(len - kTagSize);
      auto n = cipher_.decrypt(in.subspan(kFrameHeaderSize, len), buf_.get());
      if (!n) return fail(n.error());
      return Output{kFrameHeaderSize + len, true, BytesView(buf_.get(), *n)};
    }
  }
  // Slow path: assemble the frame in our buffer (at most one frame), then decrypt it in place.
  std::size_t used = 0;
  while (header_len_ < kFrameHeaderSize && used < in.size()) header_[header_len_++] = in[used++];
  if (header_len_ < kFrameHeaderSize) return Output{used, false, {}};
  const std::size_t len = read_be16(header_);
  if (len < kTagSize) return fail(make_error_code(NoiseError::frame_too_short));
  if (body_len_ == 0) ensure_capacity(len);
  const std::size_t take = std::min(len - body_len_, in.size() - used);
  if (take > 0) std::memcpy(buf_.get() + body_len_, in.data() + used, take);
  body_len_ += take;
  used += take;
  if (body_len_ < len) return Output{used, false, {}};
  header_len_ = body_len_ = 0;
  auto n = cipher_.decrypt(BytesView(buf_.get(), len), buf_.get());
  if (!n) return fail(n.error());
  return Output{used, true, BytesView(buf_.get(), *n)};
}

Result<FrameDecoder::Output> FrameDecoder::decode_in_place(MutableBytesView in) noexcept {
  if (error_) return error_;
  if (header_len_ == 0 && in.size() >= kFrameHeaderSize) {
    const std::size_t len = read_be16(in.data());
    if (len >= kTagSize && in.size() >= kFrameHeaderSize + len) {
      std::uint8_t* body = in.data() + kFrameHeaderSize;
      auto n = cipher_.decrypt(BytesView(body, len), body);
      if (!n) return fail(n.error());
      return Output{kFrameHeaderSize + len, true, BytesView(body, *n)};
    }
  }
  return decode(BytesView(in.data(), in.size()));
}

}  // namespace chiral::noise
