#include "net/connection.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "net/host.hpp"
#include "net/negotiate.hpp"

namespace chiral::net {

multiformats::Multiaddr to_multiaddr(const tcp::endpoint& ep) {
  auto ip = ep.address();
  if (ip.is_v6()) {
    auto v6 = ip.to_v6();
    if (v6.is_v4_mapped()) {
      ip = asio::ip::make_address_v4(asio::ip::v4_mapped, v6);
    } else {
      ip = asio::ip::address_v6(v6.to_bytes());  // without scope id
    }
  }
  auto m = multiformats::Multiaddr::from_ip_tcp(ip.to_string(), ep.port());
  return m ? *m : multiformats::Multiaddr();
}

multiformats::Multiaddr ConnectionInfo::remote_addr() const {
  return to_multiaddr(remote_endpoint).encapsulate(transport);
}
multiformats::Multiaddr ConnectionInfo::local_addr() const { return to_multiaddr(local_endpoint).encapsulate(transport); }

Connection::Connection(Host& host, SecureChannel channel, ConnectionInfo info, const ConnectionConfig& cfg)
    : host_(host),
      executor_(channel.socket().get_executor()),
      channel_(std::move(channel)),
      info_(std::move(info)),
      cfg_(cfg),
      session_(info_.inbound ? yamux::Role::server : yamux::Role::client, cfg.yamux, *this),
      write_wanted_(executor_),
      drained_(executor_),
      pong_(executor_),
      idle_wake_(executor_),
      idle_since_(Clock::now()) {}

Connection::~Connection() = default;

void Connection::start(Bytes early_plaintext) {
  auto self = shared_from_this();
  if (!early_plaintext.empty()) {
    if (auto ec = session_.receive(early_plaintext)) {
      fail(fmt::format("yamux: {}", ec.message()), 1);
      return;
    }
  }
  asio::co_spawn(executor_, [self]() { return self->read_loop(); }, asio::detached);
  asio::co_spawn(executor_, [self]() { return self->write_loop(); }, asio::detached);
  if (cfg_.keepalive_interval.count() > 0) {
    asio::co_spawn(executor_, [self]() { return self->keepalive_loop(); }, asio::detached);
  }
  if (cfg_.idle_timeout.count() > 0) {
    asio::co_spawn(executor_, [self]() { return self->idle_loop(); }, asio::detached);
  }
  flush_control();
}

awaitable<void> Connection::read_loop() {
  auto self = shared_from_this();
  while (!closed_) {
    auto chunk = co_await channel_.read_some();
    if (!chunk) {
      if (closed_) break;
      const auto& ec = chunk.error();
      if (ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
        fail(fmt::format("remote closed ({})", ec.message()), 0);
      } else {
        fail(fmt::format("read: {}", ec.message()), 1);
      }
      break;
    }
    if (auto ec = session_.receive(*chunk)) {
      fail(fmt::format("yamux protocol error: {}", ec.message()), 1);
      break;
    }
    flush_control();
    if (session_.remote_went_away() && streams_.empty()) {
      fail("remote sent GoAway and no streams remain", 0);
      break;
    }
  }
}

void Connection::flush_control() {
  if (session_.has_output()) {
    session_.take_output(out_plain_);
  }
  if (!out_plain_.empty()) write_wanted_.notify();
}

awaitable<void> Connection::write_loop() {
  auto self = shared_from_this();
  Bytes batch;
  for (;;) {
    if (session_.has_output()) session_.take_output(out_plain_);
    if (out_plain_.empty()) {
      if (closing_ || closed_) break;
      co_await write_wanted_.wait();
      continue;
    }
    batch.clear();
    std::swap(batch, out_plain_);
    wire_.clear();
    channel_.seal(batch, wire_);
    writing_ = true;
    auto ec = co_await channel_.write_all(wire_);
    writing_ = false;
    drained_.notify();
    if (ec) {
      if (!closed_) fail(fmt::format("write: {}", ec.message()), 0);
      break;
    }
  }
  if (closing_ && !closed_) teardown();
}

awaitable<void> Connection::keepalive_loop() {
  auto self = shared_from_this();
  asio::steady_timer timer(executor_);
  while (!closed_ && !closing_) {
    timer.expires_after(cfg_.keepalive_interval);
    co_await timer.async_wait(use_nothrow);
    if (closed_ || closing_) break;
    const std::uint32_t opaque = ++ping_opaque_;
    const auto sent = Clock::now();
    session_.ping(opaque);
    flush_control();
    const auto deadline = sent + cfg_.keepalive_timeout;
    Watchdog wd(executor_, cfg_.keepalive_timeout, [this] { pong_.notify(); });
    while (pong_opaque_ != opaque && !closed_ && Clock::now() < deadline) co_await pong_.wait();
    if (closed_) break;
    if (pong_opaque_ != opaque) {
      fail("keep-alive ping timed out", 0);
      break;
    }
    last_rtt_ = Clock::now() - sent;
  }
}

awaitable<void> Connection::idle_loop() {
  auto self = shared_from_this();
  // Sampled, not exact: the close comes between idle_timeout and idle_timeout + tick after the last stream.
  const Clock::duration tick = std::clamp<Clock::duration>(cfg_.idle_timeout / 4, std::chrono::milliseconds(100),
                                                           std::chrono::seconds(5));
  while (!closed_ && !closing_) {
    Watchdog wd(executor_, tick, [this] { idle_wake_.notify(); });
    co_await idle_wake_.wait();
    if (closed_ || closing_) break;
    const auto now = Clock::now();
    // Reserved peers and circuit ends hold a connection with no streams for hours: never idle.
    if (!streams_.empty() || host_.idle_exempt(info_.remote_peer)) {
      idle_since_ = now;
      continue;
    }
    if (now - idle_since_ >= cfg_.idle_timeout) {
      host_.count_idle_close();
      close(fmt::format("idle: no streams for {} ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                                          cfg_.idle_timeout).count()));
      break;
    }
  }
}

awaitable<Result<StreamPtr>> Connection::open_stream(std::vector<std::string> protocols) {
  if (closed_ || closing_) co_return make_error_code(asio::error::not_connected);
  auto id = session_.open_stream();
  if (!id) co_return id.error();
  auto s = std::make_shared<Stream>(weak_from_this(), *id, executor_);
  s->memory_ = permit_.memory_charge();
  streams_[*id] = s.get();
  idle_since_ = Clock::now();
  flush_control();
  Watchdog wd(executor_, cfg_.negotiation_timeout, [s] { s->reset(); });
  auto proto = co_await negotiate_outbound(*s, protocols);
  if (!proto) {
    s->reset();
    co_return proto.error();
  }
  s->set_protocol(std::move(*proto));
  co_return s;
}

void Connection::on_stream_opened(std::uint32_t id) {
  auto slot = permit_.try_open_inbound_stream();
  if (auto* refusal = std::get_if<ResourceRefusal>(&slot)) {
    // Refused before any handler runs: RST, the connection itself stays.
    spdlog::debug("peer {} conn {}: inbound stream {} refused: {} limit reached", info_.remote_peer.to_base58(),
                  info_.id, id, resource_refusal_label(*refusal));
    session_.reset(id);
    return;
  }
  auto s = std::make_shared<Stream>(weak_from_this(), id, executor_);
  s->permit_ = std::move(std::get<StreamPermit>(slot));
  s->memory_ = permit_.memory_charge();
  streams_[id] = s.get();
  idle_since_ = Clock::now();
  auto self = shared_from_this();
  asio::co_spawn(executor_, [self, s]() { return self->serve_inbound(s); }, asio::detached);
}

awaitable<void> Connection::serve_inbound(StreamPtr s) {
  std::string proto;
  {
    Watchdog wd(executor_, cfg_.negotiation_timeout, [s] { s->reset(); });
    auto r = co_await negotiate_inbound(*s, host_.protocols());
    if (!r) {
      spdlog::debug("peer {} conn {}: stream {} negotiation failed: {}", info_.remote_peer.to_base58(), info_.id,
                    s->id(), r.error().message());
      s->reset();
      co_return;
    }
    proto = std::move(*r);
  }
  s->set_protocol(proto);
  const auto* handler = host_.find_handler(proto);
  if (!handler) {
    s->reset();
    co_return;
  }
  co_await (*handler)(s);
}

void Connection::on_data(std::uint32_t id, BytesView data) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  Stream* s = it->second;
  if (!s->memory_.grow(data.size())) {
    // The shared buffer budget is spent: this stream goes, the connection and the others stay.
    spdlog::info("peer {} conn {}: stream {} reset: {} limit reached", info_.remote_peer.to_base58(), info_.id, id,
                 resource_refusal_label(ResourceRefusal::stream_memory));
    s->reset();
    return;
  }
  s->on_data(data);
}

void Connection::on_remote_close(std::uint32_t id) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  Stream* s = it->second;
  s->on_remote_close();
  if (s->local_closed_) streams_.erase(it);
}

void Connection::on_stream_reset(std::uint32_t id) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  it->second->on_reset();
  streams_.erase(it);
}

void Connection::on_send_window(std::uint32_t id) {
  auto it = streams_.find(id);
  if (it != streams_.end()) it->second->on_writable();
}

void Connection::on_pong(std::uint32_t opaque) {
  pong_opaque_ = opaque;
  pong_.notify();
}

void Connection::on_go_away(std::uint32_t code) {
  spdlog::debug("peer {} conn {}: remote GoAway code {}", info_.remote_peer.to_base58(), info_.id, code);
}

awaitable<error_code> Connection::stream_write(Stream& s, BytesView data) {
  auto self = shared_from_this();
  while (!data.empty()) {
    if (closed_ || closing_ || s.reset_) co_return make_error_code(asio::error::connection_reset);
    if (out_plain_.size() >= cfg_.write_high_watermark) {
      co_await drained_.wait();
      continue;
    }
    // Control frames first so that a SYN always precedes the stream's data.
    if (session_.has_output()) session_.take_output(out_plain_);
    const std::size_t room = cfg_.write_high_watermark - out_plain_.size();
    const std::size_t n = session_.write(s.id_, data.first(std::min(room, data.size())), out_plain_);
    if (n == 0) {
      co_await s.writable_.wait();  // send window exhausted: wait for the peer's WindowUpdate
      continue;
    }
    data = data.subspan(n);
    write_wanted_.notify();
  }
  co_return error_code{};
}

void Connection::stream_consumed(Stream& s, std::size_t n) {
  if (closed_) return;
  session_.consumed(s.id_, n);
  flush_control();
}

void Connection::stream_close_write(Stream& s) {
  if (closed_) return;
  session_.close_write(s.id_);
  flush_control();
  if (s.remote_closed_) streams_.erase(s.id_);
}

void Connection::stream_reset(Stream& s) {
  if (closed_) return;
  session_.reset(s.id_);
  flush_control();
  streams_.erase(s.id_);
}

void Connection::stream_dropped(std::uint32_t id, bool clean) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  streams_.erase(it);
  if (!clean && !closed_) {
    session_.reset(id);
    flush_control();
  }
}

void Connection::close(std::string_view reason, std::uint32_t goaway_code) {
  if (closed_ || closing_) return;
  close_reason_ = std::string(reason);
  spdlog::info("peer {} conn {}: closing: {}", info_.remote_peer.to_base58(), info_.id, reason);
  closing_ = true;
  session_.go_away(goaway_code);
  flush_control();
  write_wanted_.notify();
  // The write loop tears down after flushing; a peer that stops reading gets 2 s.
  auto self = shared_from_this();
  auto timer = std::make_shared<asio::steady_timer>(executor_, std::chrono::seconds(2));
  timer->async_wait([self, timer](error_code) {
    if (!self->closed_) self->teardown();
  });
}

void Connection::fail(std::string_view reason, std::uint32_t goaway_code) {
  if (closed_) return;
  if (closing_) {
    teardown();
    return;
  }
  close_reason_ = std::string(reason);
  spdlog::info("peer {} conn {}: closed: {}", info_.remote_peer.to_base58(), info_.id, reason);
  if (goaway_code != 0 && !writing_) {
    // Best effort: tell the peer why, without waiting for it.
    session_.go_away(goaway_code);
    session_.take_output(out_plain_);
    wire_.clear();
    channel_.seal(out_plain_, wire_);
    channel_.try_write_now(wire_);  // never blocks: one try
  }
  teardown();
}

void Connection::teardown() {
  if (closed_) return;
  closed_ = true;
  channel_.close();
  auto streams = std::move(streams_);
  streams_.clear();
  for (auto& [id, s] : streams) s->on_reset();
  write_wanted_.notify();
  drained_.notify();
  pong_.notify();
  idle_wake_.notify();
  permit_ = ConnectionPermit{};  // the slot is free now, not when the last coroutine lets go of us
  host_.connection_closed(shared_from_this());
}

}  // namespace chiral::net
