// ByteStream: the raw, unencrypted byte stream under a libp2p connection. Plain TCP, or a WebSocket
// (RFC 6455; libp2p's /ws and /wss transports) whose binary message payloads, concatenated, are the byte
// stream. TCP stays on the direct path (callers test plain_tcp() and use the socket); WebSocket streams sit
// behind one virtual call (src/net/ws_transport.cpp) so Beast and OpenSSL headers stay out of here.
#pragma once
#include <memory>
#include <variant>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "net/asio.hpp"

namespace chiral::net {

// A message-framed stream carrying a byte stream (WebSocket over TCP or TLS).
class MessageStream {
 public:
  virtual ~MessageStream() = default;
  // At least one payload byte unless an error (or an empty message: 0 bytes, no error).
  virtual awaitable<Result<std::size_t>> read_some(MutableBytesView buf) = 0;
  // Sends `data` as one or more binary messages.
  virtual awaitable<error_code> write_all(BytesView data) = 0;
  // The TCP socket underneath (endpoints, executor, closing).
  virtual tcp::socket& socket() = 0;
};

class ByteStream {
 public:
  explicit ByteStream(tcp::socket socket) : s_(std::move(socket)) {}
  explicit ByteStream(std::unique_ptr<MessageStream> ms) : s_(std::move(ms)) {}
  ByteStream(ByteStream&&) = default;
  ByteStream& operator=(ByteStream&&) = default;

  // Non-null for plain TCP: read and write the socket directly.
  tcp::socket* plain_tcp() { return std::get_if<tcp::socket>(&s_); }
  // Non-null for a WebSocket stream.
  MessageStream* message_stream() {
    auto* p = std::get_if<std::unique_ptr<MessageStream>>(&s_);
    return p ? p->get() : nullptr;
  }
  // The TCP socket underneath, whatever the framing.
  tcp::socket& socket() {
    if (auto* t = plain_tcp()) return *t;
    return message_stream()->socket();
  }
  // Shuts down and closes the TCP socket: pending operations complete with an error.
  void close() {
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

 private:
  std::variant<tcp::socket, std::unique_ptr<MessageStream>> s_;
};

}  // namespace chiral::net
