// SecureChannel: a raw byte stream (TCP or WebSocket, see byte_stream.hpp) with one read buffer that serves every stage of a libp2p connection:
// raw bytes (multistream before Noise), 2-byte-length Noise handshake messages, then Noise transport
// frames (libp2p/specs noise/README.md "Wire Format"): decrypted in place, encrypted straight into the
// caller's output buffer. Bytes read past one stage are never lost: the next stage reads them first.
#pragma once
#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "net/asio.hpp"
#include "net/byte_stream.hpp"
#include "protocol/noise/transport.hpp"

namespace chiral::net {

inline constexpr std::size_t kNoiseMaxFrame = 65535;                     // ciphertext incl. tag
inline constexpr std::size_t kNoiseMaxPlaintext = kNoiseMaxFrame - 16;  // 65519

class SecureChannel {
 public:
  explicit SecureChannel(ByteStream stream);
  explicit SecureChannel(tcp::socket socket) : SecureChannel(ByteStream(std::move(socket))) {}
  SecureChannel(SecureChannel&&) = default;
  SecureChannel& operator=(SecureChannel&&) = default;

  // The TCP socket underneath (endpoints, executor); never read or write it directly.
  tcp::socket& socket() { return stream_.socket(); }
  ByteStream& stream() { return stream_; }
  void close();
  // One non-blocking write attempt of whole `data` (best-effort GoAway on failure). Plain TCP only:
  // a partial write would break a WebSocket frame, so there it does nothing.
  void try_write_now(BytesView data);

  // --- raw stage (before Noise) ---
  awaitable<Result<std::size_t>> read_raw(MutableBytesView buf);
  void unread_raw(BytesView data);
  awaitable<error_code> write_all(BytesView data);
  // One length-prefixed Noise handshake message (body only; view valid until the next read).
  awaitable<Result<BytesView>> read_handshake_message();
  static void append_handshake_message(Bytes& out, BytesView body);

  // --- transport stage ---
  void set_ciphers(noise::TransportCipher tx, noise::TransportCipher rx);
  bool secured() const { return secured_; }
  // Next decrypted frame (may be empty); the view is valid until the next read.
  awaitable<Result<BytesView>> read_some();
  // Encrypts `plain` as frames of at most 65519 plaintext bytes appended to `wire`.
  void seal(BytesView plain, Bytes& wire);

 private:
  awaitable<error_code> fill(std::size_t need);  // ensure `need` contiguous bytes are buffered

  ByteStream stream_;
  Bytes in_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::optional<noise::TransportCipher> tx_;
  std::optional<noise::TransportCipher> rx_;
  bool secured_ = false;
};

// Io adapter for multistream-select over the decrypted side of a SecureChannel (muxer negotiation).
class SecurePlainIo {
 public:
  explicit SecurePlainIo(SecureChannel& ch) : ch_(ch) {}
  awaitable<Result<std::size_t>> read_some(MutableBytesView buf);
  awaitable<error_code> write(BytesView data);
  void unread(BytesView data);
  // Decrypted bytes not consumed by the negotiation: they belong to the muxer.
  Bytes take_pending() { return std::move(pending_); }

 private:
  SecureChannel& ch_;
  Bytes pending_;
};

// Io adapter for multistream-select on the raw socket (security protocol negotiation).
class RawIo {
 public:
  explicit RawIo(SecureChannel& ch) : ch_(ch) {}
  awaitable<Result<std::size_t>> read_some(MutableBytesView buf) { return ch_.read_raw(buf); }
  awaitable<error_code> write(BytesView data) { return ch_.write_all(data); }
  void unread(BytesView data) { ch_.unread_raw(data); }

 private:
  SecureChannel& ch_;
};

}  // namespace chiral::net
