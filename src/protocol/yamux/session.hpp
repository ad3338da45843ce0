// Yamux session (hashicorp/yamux spec.md "Message Flow", "Flow Control", "Session termination", with the
// libp2p conventions of go-yamux / rust-yamux): a sans-I/O state machine. Bytes in via receive(), events
// out via Handler, frames out via write()/take_output(). No sockets, no clocks (ping timeouts and window
// auto-tuning by RTT are the driver's business).
#pragma once
#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "protocol/yamux/frame.hpp"

namespace chiral::yamux {

enum class Role {
  client,  // the connection's dialer: odd stream ids
  server,  // the connection's listener: even stream ids
};

struct Config {
  // Receive window we grant each stream (>= 256 KiB; more is announced with the SYN / ACK frame).
  std::uint32_t initial_window = kDefaultWindow;
  // Upper bound for set_receive_window() and for the length of any Data frame we accept.
  std::uint32_t max_window = 16 * 1024 * 1024;
  // Open streams (both directions). An inbound SYN beyond it is answered with RST.
  std::size_t max_streams = 512;
  // Inbound streams we have not ACKed yet (only with auto_ack = false); beyond it new ones are RST.
  std::size_t max_unacked_inbound = 256;
  // Our streams the remote has not ACKed yet; open_stream() fails beyond it (rust/go stop at 256).
  std::size_t max_unacked_outbound = 256;
  // ACK inbound streams as soon as they arrive (peers stop opening streams at 256 unacked). When false,
  // accept() sends the ACK (or the first frame we send on the stream carries it).
  bool auto_ack = true;
  // write() splits data into frames of at most this many bytes (rust-yamux uses 16 KiB).
  std::uint32_t max_frame_data = 16 * 1024;
};

class Handler {
 public:
  virtual ~Handler() = default;
  // Remote SYN accepted (ACKed immediately with Config::auto_ack).
  virtual void on_stream_opened(std::uint32_t id) = 0;
  // Body bytes as they arrive, possibly in pieces; the view is valid only during the call. The session
  // never buffers frame bodies. Call Session::consumed() once the bytes are processed to grant credit.
  virtual void on_data(std::uint32_t id, BytesView data) = 0;
  // FIN: the remote will send no more data on this stream.
  virtual void on_remote_close(std::uint32_t id) = 0;
  // RST received: the stream is gone (already freed when this is called).
  virtual void on_stream_reset(std::uint32_t id) = 0;
  // Send credit grew: write() may take more bytes.
  virtual void on_send_window(std::uint32_t id) = 0;
  // The remote ACKed a stream we opened.
  virtual void on_stream_acked(std::uint32_t id) {}
  // Answer to our ping(opaque).
  virtual void on_pong(std::uint32_t opaque) {}
  // GoAway received (GoAwayCode values); no new streams in either direction afterwards.
  virtual void on_go_away(std::uint32_t code) = 0;
};

// Handler callbacks may call any Session member except receive().
class Session {
 public:
  Session(Role role, Config config, Handler& handler);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Parses frames (any split of the input is fine) and calls the handler. A protocol violation returns
  // an error, queues GoAway(protocol error) and fails the session for good (later calls return the
  // same error). Frames for unknown or closed streams are ignored, their bodies skipped.
  error_code receive(BytesView in);

  // Opens a stream: queues WindowUpdate|SYN (delta = initial_window - 256 KiB). Data may be written
  // right away, before the ACK.
  Result<std::uint32_t> open_stream();
  // Accepts an inbound stream when Config::auto_ack is false (no-op otherwise or when already ACKed).
  void accept(std::uint32_t id);

  // Appends queued control frames, then Data frames carrying up to send_window(id) bytes of `data`, to
  // `out`; returns the number of bytes of `data` taken (0 without credit, for an unknown stream or
  // after close_write). Draining the control queue first keeps the wire order equal to the call order
  // (SYN before data, data before a later FIN).
  std::size_t write(std::uint32_t id, BytesView data, Bytes& out);
  // Half-close: queues a FIN. The stream is freed once both sides have sent FIN.
  void close_write(std::uint32_t id);
  // Queues an RST and frees the stream now. No handler call.
  void reset(std::uint32_t id);
  // The application processed n bytes delivered by on_data: once the credit we can return reaches half
  // the window, a WindowUpdate is queued. A consumer that does not call this stops the sender.
  void consumed(std::uint32_t id, std::size_t n);
  // Grows (or shrinks, down to 256 KiB) the receive window of a stream, capped at Config::max_window;
  // the extra credit is granted as the application consumes.
  void set_receive_window(std::uint32_t id, std::uint32_t window);

  void ping(std::uint32_t opaque);
  // Queues GoAway(code) once; inbound SYNs are refused with RST afterwards.
  void go_away(std::uint32_t code);
  void go_away(GoAwayCode code) { go_away(static_cast<std::uint32_t>(code)); }

  // Appends the queued control frames (ACKs, window updates, pings, pongs, RST, FIN, GoAway) to out.
  void take_output(Bytes& out);
  bool has_output() const noexcept { return !control_.empty(); }

  std::size_t stream_count() const noexcept { return streams_.size(); }
  bool has_stream(std::uint32_t id) const noexcept { return streams_.count(id) != 0; }
  bool remote_went_away() const noexcept { return remote_go_away_; }
  bool local_went_away() const noexcept { return local_go_away_; }
  // Bytes write() may send on the stream now (0 for an unknown stream).
  std::uint32_t send_window(std::uint32_t id) const noexcept;
  // Bytes the remote may still send us on the stream before it needs a WindowUpdate.
  std::uint32_t receive_window(std::uint32_t id) const noexcept;
  // The error that failed the session, if any.
  error_code error() const noexcept { return error_; }

 private:
  struct Stream {
    bool outbound = false;
    bool acked = false;  // outbound: remote ACKed our SYN; inbound: we sent the ACK
    bool local_fin = false;
    bool remote_fin = false;
    std::uint32_t send_window = kDefaultWindow;
    std::uint32_t recv_window = kDefaultWindow;  // what the remote may still send
    std::uint32_t target_window = kDefaultWindow;
    std::uint64_t unconsumed = 0;  // delivered to the handler, not yet consumed()
  };
  using StreamMap = std::unordered_map<std::uint32_t, Stream>;

  error_code fail(error_code ec);
  error_code on_header(const Header& h);
  error_code on_stream_frame(const Header& h);
  void on_syn(std::uint32_t id);
  void finish_frame(const Header& h);
  void deliver(BytesView chunk);

  bool is_local_id(std::uint32_t id) const noexcept;
  std::uint16_t take_ack_flag(Stream& s);
  void grant_credit(std::uint32_t id, Stream& s, std::uint16_t extra_flags, bool force);
  void queue(FrameType type, std::uint16_t flags, std::uint32_t id, std::uint32_t length);
  void erase_stream(StreamMap::iterator it);
  void drain_control(Bytes& out);

  Role role_;
  Config config_;
  Handler& handler_;
  StreamMap streams_;
  Bytes control_;
  std::uint64_t next_id_;
  std::size_t outbound_unacked_ = 0;
  std::size_t inbound_unacked_ = 0;
  bool local_go_away_ = false;
  bool remote_go_away_ = false;
  error_code error_;

  // Receive parser: a partial header, then the body of the current Data frame streamed to the handler.
  std::uint8_t header_buf_[kHeaderSize] = {};
  std::size_t header_have_ = 0;
  Header body_header_;
  std::uint32_t body_left_ = 0;
  bool body_deliver_ = false;
};

}  // namespace chiral::yamux
