// libp2p Noise transport messages (libp2p/specs noise/README.md "Wire Format"; Noise spec rev 34 section 5.1):
// each frame is a 2-byte big-endian length then a Noise message (ciphertext + 16-byte tag, <= 65535 bytes).
#pragma once
#include <cstdint>
#include <memory>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "protocol/noise/cipher_state.hpp"
#include "protocol/noise/error.hpp"

namespace chiral::noise {

inline constexpr std::size_t kFrameHeaderSize = 2;
inline constexpr std::size_t kMaxFrameBody = 65535;                          // Noise message limit
inline constexpr std::size_t kMaxFramePlaintext = kMaxFrameBody - kTagSize;  // 65519

// One direction of a transport session: a keyed CipherState used with empty associated data.
class TransportCipher {
 public:
  // Precondition: state.has_key() (both halves of HandshakeState::split() are keyed).
  explicit TransportCipher(CipherState state) noexcept : state_(std::move(state)) {}

  // Encrypts one frame body: writes plaintext.size() + 16 bytes to `out` (may equal plaintext.data()).
  // frame_too_large over 65519 bytes, nonce_exhausted when the next nonce would be 2^64-1.
  Result<std::size_t> encrypt(BytesView plaintext, std::uint8_t* out) noexcept;
  // Decrypts one frame body: writes ciphertext.size() - 16 bytes to `out` (may equal ciphertext.data()).
  // frame_too_short under 16 bytes, frame_too_large over 65535, decrypt_failed, nonce_exhausted.
  Result<std::size_t> decrypt(BytesView ciphertext, std::uint8_t* out) noexcept;

  std::uint64_t nonce() const noexcept { return state_.nonce(); }
  void set_nonce(std::uint64_t n) noexcept { state_.set_nonce(n); }  // for tests of nonce exhaustion

 private:
  CipherState state_;
};

// A length-prefixed frame without decryption (handshake messages). CoreError::truncated while incomplete.
struct RawFrame {
  BytesView body;
  std::size_t consumed;  // 2 + body.size()
};
Result<RawFrame> decode_raw_frame(BytesView in) noexcept;
// Appends 2-byte length + body; message_too_large over 65535 bytes.
Result<void> append_raw_frame(Bytes& out, BytesView body);

// Bytes encrypt_frames() produces for `plaintext_size` bytes: 18 bytes of overhead per 65519-byte frame.
std::size_t encrypted_frames_size(std::size_t plaintext_size) noexcept;
// Splits `plaintext` into frames of at most 65519 bytes and writes length + ciphertext for each to
// `out` (room for encrypted_frames_size() bytes; must not overlap plaintext). Returns bytes written.
// Fails with nonce_exhausted before writing anything when the frames would need nonce 2^64-1.
Result<std::size_t> encrypt_frames(TransportCipher& cipher, BytesView plaintext, std::uint8_t* out) noexcept;
// Same, appending to `out` with one resize (no allocation when its capacity suffices); `plaintext` must
// not point into `out`. An empty plaintext produces no frame.
Result<std::size_t> encrypt_frames(TransportCipher& cipher, BytesView plaintext, Bytes& out);

// Sending half of a session.
class FrameEncoder {
 public:
  explicit FrameEncoder(TransportCipher cipher) noexcept : cipher_(std::move(cipher)) {}
  Result<std::size_t> encrypt_frames(BytesView plaintext, Bytes& out) {
    return noise::encrypt_frames(cipher_, plaintext, out);
  }
  Result<std::size_t> encrypt_frames(BytesView plaintext, std::uint8_t* out) noexcept {
    return noise::encrypt_frames(cipher_, plaintext, out);
  }
  TransportCipher& cipher() noexcept { return cipher_; }

 private:
  TransportCipher cipher_;
};

// Receiving half of a session, sans-I/O: feed bytes as they arrive, get at most one decrypted frame per
// call. Buffers at most one partial frame (<= 65535 bytes + header). Any error is final: later calls
// return the same error.
class FrameDecoder {
 public:
  struct Output {
    std::size_t consumed = 0;  // bytes of the input used; feed the rest again
    bool has_frame = false;    // a frame was completed (its plaintext may be empty)
    BytesView plaintext;       // valid until the next call on this decoder (or change of the input)
  };

  explicit FrameDecoder(TransportCipher cipher) noexcept : cipher_(std::move(cipher)) {}

  Result<Output> decode(BytesView in) noexcept;
  // As decode(), but a frame lying whole inside `in` is decrypted in place there (no copy); then
  // `plaintext` points into `in`.
  Result<Output> decode_in_place(MutableBytesView in) noexcept;

  std::size_t buffered() const noexcept { return header_len_ + body_len_; }
  TransportCipher& cipher() noexcept { return cipher_; }

 private:
  Result<Output> fail(error_code ec) noexcept;
  void ensure_capacity(std::size_t n);

  TransportCipher cipher_;
  std::unique_ptr<std::uint8_t[]> buf_;  // ciphertext being assembled / plaintext handed out
  std::size_t capacity_ = 0;
  std::uint8_t header_[kFrameHeaderSize] = {};
  std::size_t header_len_ = 0;
  std::size_t body_len_ = 0;
  error_code error_;
};

}  // namespace chiral::noise
