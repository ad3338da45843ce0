// Stream: one yamux stream seen as an async byte stream by services (identify, ping, relay, autonat).
// Lives on its connection's executor. Reads come from a receive buffer bounded by the yamux window;
// writes wait for yamux send credit and for the connection's write queue to drain (backpressure).
// Dropping the last reference resets the stream unless it was closed cleanly.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "net/asio.hpp"
#include "net/resource_manager.hpp"
#include "net/signal.hpp"

namespace chiral::net {

class Connection;

class Stream : public std::enable_shared_from_this<Stream> {
 public:
  Stream(std::weak_ptr<Connection> conn, std::uint32_t id, const asio::any_io_executor& ex);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Reads at least one byte into `buf`. asio::error::eof once the remote half-closed and the buffer is
  // drained; asio::error::connection_reset after RST or when the connection died.
  awaitable<Result<std::size_t>> read_some(MutableBytesView buf);
  awaitable<error_code> read_exact(MutableBytesView buf);
  // Reads one uvarint-length-prefixed message of at most max_len bytes.
  awaitable<Result<Bytes>> read_frame(std::size_t max_len);
  // Reads until EOF, failing with CoreError::too_large beyond max_len bytes.
  awaitable<Result<Bytes>> read_to_end(std::size_t max_len);

  awaitable<error_code> write(BytesView data);
  awaitable<error_code> write_frame(BytesView body);

  // FIN: no more data from us. Safe while a write() is in flight: the FIN then follows that write's data.
  void close_write();
  void reset();        // RST: abort both directions
  // Called once when the stream is reset, by us or by the peer (or its connection dies): lets a splice
  // blocked on the *other* stream notice. Cleared after it fires.
  void set_reset_hook(std::function<void()> hook) { reset_hook_ = std::move(hook); }

  // Puts bytes back in front of the receive buffer (bytes a negotiation read past its last message).
  void unread(BytesView data);

  std::uint32_t id() const { return id_; }
  const std::string& protocol() const { return protocol_; }
  void set_protocol(std::string p) { protocol_ = std::move(p); }
  std::shared_ptr<Connection> connection() const { return conn_.lock(); }
  bool remote_closed() const { return remote_closed_; }
  bool is_reset() const { return reset_; }
  std::size_t buffered() const { return recv_.size() - recv_off_; }

 private:
  friend class Connection;
  // Called by the connection (same executor).
  void on_data(BytesView data);
  void on_remote_close();
  void on_reset();
  void on_writable() { writable_.notify(); }

  std::weak_ptr<Connection> conn_;
  std::uint32_t id_;
  std::string protocol_;
  Bytes recv_;
  std::size_t recv_off_ = 0;
  std::size_t precredited_ = 0;  // unread() bytes already credited to the peer
  bool remote_closed_ = false;
  bool local_closed_ = false;
  bool fin_deferred_ = false;   // close_write() came while a write was in flight
  std::size_t writers_ = 0;     // write() calls in flight
  bool reset_ = false;
  StreamPermit permit_;  // inbound stream slot (ResourceManager), held while any handler holds the stream
  MemoryCharge memory_;  // buffered() bytes charged to the shared stream-buffer budget
  Signal readable_;
  Signal writable_;
  std::function<void()> reset_hook_;
  void fire_reset_hook();
};

using StreamPtr = std::shared_ptr<Stream>;

}  // namespace chiral::net
