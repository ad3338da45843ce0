// Connection: an upgraded libp2p connection (TCP or WebSocket + Noise + Yamux). Drives the sans-I/O yamux session:
// a read loop decrypts Noise frames and feeds the session, a write loop encrypts queued yamux frames,
// a keep-alive loop pings. All on one executor; no locks.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/keys.hpp"
#include "multiformats/multiaddr.hpp"
#include "multiformats/peer_id.hpp"
#include "net/asio.hpp"
#include "net/secure_channel.hpp"
#include "net/signal.hpp"
#include "net/stream.hpp"
#include "protocol/yamux/session.hpp"

namespace chiral::net {

class Host;

// The multiaddr of a socket address (IPv4-mapped IPv6 as /ip4, scope ids dropped).
multiformats::Multiaddr to_multiaddr(const tcp::endpoint& ep);

struct ConnectionInfo {
  std::uint64_t id = 0;  // process-unique, for logs
  multiformats::PeerId remote_peer;
  crypto::PublicKey remote_key;
  tcp::endpoint remote_endpoint;
  tcp::endpoint local_endpoint;
  bool inbound = false;
  std::string muxer;
  multiformats::Multiaddr transport;  // after /tcp/<port>: empty (TCP), /ws, /wss or /tls/ws
  multiformats::Multiaddr remote_addr() const;  // /ip4/../tcp/..[/ws]
  multiformats::Multiaddr local_addr() const;
};

struct ConnectionConfig {
  yamux::Config yamux;
  Clock::duration negotiation_timeout = std::chrono::seconds(10);  // per inbound stream's multistream
  Clock::duration keepalive_interval = std::chrono::seconds(30);
  Clock::duration keepalive_timeout = std::chrono::seconds(10);
  std::size_t write_high_watermark = 1 << 20;  // queued plaintext bytes before writers wait
  // A connection without streams for this long is closed unless Host::idle_exempt(peer); zero = never.
  Clock::duration idle_timeout{};
};

class Connection : public std::enable_shared_from_this<Connection>, private yamux::Handler {
 public:
  Connection(Host& host, SecureChannel channel, ConnectionInfo info, const ConnectionConfig& cfg);
  ~Connection() override;

  // Inbound admission slot (ResourceManager): limits this connection's inbound streams; released at close.
  void set_permit(ConnectionPermit permit) { permit_ = std::move(permit); }

  // Starts the read/write/keep-alive loops. `early_plaintext` is data that arrived with the handshake.
  void start(Bytes early_plaintext);

  // Opens a stream and negotiates one of `protocols` (in order of preference) with multistream-select.
  awaitable<Result<StreamPtr>> open_stream(std::vector<std::string> protocols);
  awaitable<Result<StreamPtr>> open_stream(std::string_view protocol) {  // not a coroutine: builds the list
    return open_stream(std::vector<std::string>{std::string(protocol)});
  }

  // Sends GoAway(code), flushes, closes the socket. Idempotent. `reason` goes in the log line.
  void close(std::string_view reason, std::uint32_t goaway_code = 0);
  bool closed() const { return closed_; }

  const ConnectionInfo& info() const { return info_; }
  const multiformats::PeerId& remote_peer() const { return info_.remote_peer; }
  asio::any_io_executor executor() const { return executor_; }
  std::size_t stream_count() const { return streams_.size(); }

  // Observed round-trip of the last keep-alive ping.
  Clock::duration last_rtt() const { return last_rtt_; }

 private:
  friend class Stream;
  // yamux::Handler
  void on_stream_opened(std::uint32_t id) override;
  void on_data(std::uint32_t id, BytesView data) override;
  void on_remote_close(std::uint32_t id) override;
  void on_stream_reset(std::uint32_t id) override;
  void on_send_window(std::uint32_t id) override;
  void on_pong(std::uint32_t opaque) override;
  void on_go_away(std::uint32_t code) override;

  // Stream API backends.
  awaitable<error_code> stream_write(Stream& s, BytesView data);
  void stream_consumed(Stream& s, std::size_t n);
  void stream_close_write(Stream& s);
  void stream_reset(Stream& s);
  void stream_dropped(std::uint32_t id, bool clean);
  void flush_control();

  awaitable<void> read_loop();
  awaitable<void> write_loop();
  awaitable<void> keepalive_loop();
  awaitable<void> idle_loop();
  awaitable<void> serve_inbound(StreamPtr s);
  void fail(std::string_view reason, std::uint32_t goaway_code);
  void teardown();

  Host& host_;
  asio::any_io_executor executor_;
  SecureChannel channel_;
  ConnectionInfo info_;
  ConnectionConfig cfg_;
  yamux::Session session_;
  std::unordered_map<std::uint32_t, Stream*> streams_;
  Bytes out_plain_;    // yamux frames waiting for encryption
  Bytes wire_;         // encrypted bytes being written
  Signal write_wanted_;
  Signal drained_;
  Signal pong_;
  Signal idle_wake_;
  ConnectionPermit permit_;
  Clock::time_point idle_since_;
  bool closing_ = false;
  bool closed_ = false;
  bool writing_ = false;
  std::uint32_t ping_opaque_ = 0;
  std::uint32_t pong_opaque_ = 0;
  Clock::duration last_rtt_{};
  std::string close_reason_;
};

using ConnectionPtr = std::shared_ptr<Connection>;

}  // namespace chiral::net
