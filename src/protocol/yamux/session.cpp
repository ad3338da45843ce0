// Yamux session state machine (hashicorp/yamux spec.md; libp2p behaviour of go-yamux and rust-yamux).
#include "protocol/yamux/session.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "protocol/yamux/error.hpp"

namespace chiral::yamux {

namespace {
Config sanitize(Config c) {
  c.initial_window = std::max(c.initial_window, kDefaultWindow);
  c.max_window = std::max(c.max_window, c.initial_window);
  c.max_frame_data = std::max<std::uint32_t>(c.max_frame_data, 1);
  return c;
}
std::uint32_t saturating_add(std::uint32_t a, std::uint32_t b) {
  const std::uint64_t sum = std::uint64_t{a} + b;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(sum, std::numeric_limits<std::uint32_t>::max()));
}
}  // namespace

Session::Session(Role role, Config config, Handler& handler)
    : role_(role), config_(sanitize(config)), handler_(handler), next_id_(role == Role::client ? 1 : 2) {}

bool Session::is_local_id(std::uint32_t id) const noexcept {
  return (id % 2 == 1) == (role_ == Role::client);
}

void Session::queue(FrameType type, std::uint16_t flags, std::uint32_t id, std::uint32_t length) {
  append_header(control_, Header{kVersion, type, flags, id, length});
}

void Session::drain_control(Bytes& out) {
  append(out, control_);
  control_.clear();
}

void Session::take_output(Bytes& out) { drain_control(out); }

error_code Session::fail(error_code ec) {
  error_ = ec;
  local_go_away_ = true;
  queue(FrameType::go_away, 0, 0, static_cast<std::uint32_t>(GoAwayCode::protocol_error));
  return ec;
}

void Session::erase_stream(StreamMap::iterator it) {
  const Stream& s = it->second;
  if (!s.acked) {
    if (s.outbound)
      --outbound_unacked_;
    else
      --inbound_unacked_;
  }
  streams_.erase(it);
}

std::uint16_t Session::take_ack_flag(Stream& s) {
  if (s.outbound || s.acked) return 0;
  s.acked = true;
  --inbound_unacked_;
  return flags::ack;
}

void Session::grant_credit(std::uint32_t id, Stream& s, std::uint16_t extra_flags, bool force) {
  const std::uint64_t outstanding = std::uint64_t{s.recv_window} + s.unconsumed;
  const std::uint32_t delta =
      outstanding < s.target_window ? static_cast<std::uint32_t>(s.target_window - outstanding) : 0;
  // Like go-yamux: only send an update once at least half a window can be returned.
  if (!force && (delta == 0 || delta < s.target_window / 2)) return;
  queue(FrameType::window_update, extra_flags | take_ack_flag(s), id, delta);
  s.recv_window += delta;
}

// ---- receiving ----

error_code Session::receive(BytesView in) {
  if (error_) return error_;
  while (!in.empty()) {
    if (body_left_ > 0) {
      const std::size_t n = std::min<std::size_t>(body_left_, in.size());
      const BytesView chunk = in.first(n);
      in = in.subspan(n);
      body_left_ -= static_cast<std::uint32_t>(n);
      if (body_deliver_) deliver(chunk);
      if (body_left_ == 0) finish_frame(body_header_);
      continue;
    }
    const std::size_t n = std::min(kHeaderSize - header_have_, in.size());
    std::memcpy(header_buf_ + header_have_, in.data(), n);
    header_have_ += n;
    in = in.subspan(n);
    if (header_have_ < kHeaderSize) break;
    header_have_ = 0;
    auto h = decode_header(BytesView(header_buf_, kHeaderSize));
    if (!h) return fail(h.error());
    if (auto ec = on_header(*h)) return fail(ec);
  }
  return {};
}

error_code Session::on_header(const Header& h) {
  switch (h.type) {
    case FrameType::ping:
      if (h.has(flags::syn))
        queue(FrameType::ping, flags::ack, 0, h.length);
      else if (h.has(flags::ack))
        handler_.on_pong(h.length);
      return {};
    case FrameType::go_away:
      remote_go_away_ = true;
      handler_.on_go_away(h.length);
      return {};
    case FrameType::data:
    case FrameType::window_update:
      break;
  }
  return on_stream_frame(h);
}

void Session::on_syn(std::uint32_t id) {
  if (local_go_away_ || remote_go_away_ || streams_.size() >= config_.max_streams ||
      inbound_unacked_ >= config_.max_unacked_inbound) {
    // Refuse this stream only; later frames for it are ignored as frames for an unknown stream.
    queue(FrameType::window_update, flags::rst, id, 0);
    return;
  }
  Stream s;
  s.target_window = config_.initial_window;
  auto [it, inserted] = streams_.emplace(id, s);
  ++inbound_unacked_;
  if (config_.auto_ack) grant_credit(id, it->second, 0, /*force=*/true);
  handler_.on_stream_opened(id);
}

error_code Session::on_stream_frame(const Header& h) {
  const std::uint32_t id = h.stream_id;
  const bool is_data = h.type == FrameType::data;
  if (is_data && h.length > config_.max_window) return make_error_code(YamuxError::frame_too_large);
  if (h.has(flags::syn)) {
    if (id == 0 || is_local_id(id)) return make_error_code(YamuxError::invalid_stream_id);
    if (streams_.count(id)) return make_error_code(YamuxError::duplicate_stream);
    on_syn(id);
  }

  bool deliver = false;
  if (auto it = streams_.find(id); it != streams_.end()) {
    Stream& s = it->second;
    if (is_data && !s.remote_fin) {  // data after the remote's FIN is dropped
      if (h.length > s.recv_window) return make_error_code(YamuxError::window_exceeded);
      s.recv_window -= h.length;
      s.unconsumed += h.length;
      deliver = h.length > 0;
    }
    if (h.has(flags::ack) && s.outbound && !s.acked) {
      s.acked = true;
      --outbound_unacked_;
      handler_.on_stream_acked(id);
    }
    if (h.type == FrameType::window_update && h.length > 0) {
      if (auto again = streams_.find(id); again != streams_.end()) {
        again->second.send_window = saturating_add(again->second.send_window, h.length);
        handler_.on_send_window(id);
      }
    }
  }
  // Unknown ids (never opened, refused, or recently closed) fall through: body skipped, flags ignored.
  if (is_data && h.length > 0) {
    body_header_ = h;
    body_left_ = h.length;
    body_deliver_ = deliver;
    return {};
  }
  finish_frame(h);
  return {};
}

void Session::deliver(BytesView chunk) {
  const std::uint32_t id = body_header_.stream_id;
  if (!streams_.count(id)) {  // reset by the handler meanwhile: skip the rest
    body_deliver_ = false;
    return;
  }
  handler_.on_data(id, chunk);
}

void Session::finish_frame(const Header& h) {
  if (!h.has(flags::fin) && !h.has(flags::rst)) return;
  const std::uint32_t id = h.stream_id;
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  if (h.has(flags::rst)) {
    erase_stream(it);
    handler_.on_stream_reset(id);
    return;
  }
  if (it->second.remote_fin) return;
  it->second.remote_fin = true;
  handler_.on_remote_close(id);
  it = streams_.find(id);
  if (it != streams_.end() && it->second.local_fin && it->second.remote_fin) erase_stream(it);
}

// ---- sending ----

Result<std::uint32_t> Session::open_stream() {
  if (error_) return make_error_code(YamuxError::session_failed);
  if (local_go_away_ || remote_go_away_) return make_error_code(YamuxError::went_away);
  if (streams_.size() >= config_.max_streams) return make_error_code(YamuxError::too_many_streams);
  if (outbound_unacked_ >= config_.max_unacked_outbound)
    return make_error_code(YamuxError::ack_backlog_full);
  if (next_id_ > std::numeric_limits<std::uint32_t>::max())
    return make_error_code(YamuxError::stream_ids_exhausted);
  const auto id = static_cast<std::uint32_t>(next_id_);
  next_id_ += 2;
  Stream s;
  s.outbound = true;
  s.target_window = config_.initial_window;
  s.recv_window = config_.initial_window;
  streams_.emplace(id, s);
  ++outbound_unacked_;
  queue(FrameType::window_update, flags::syn, id, config_.initial_window - kDefaultWindow);
  return id;
}

void Session::accept(std::uint32_t id) {
  auto it = streams_.find(id);
  if (it == streams_.end() || it->second.outbound || it->second.acked) return;
  grant_credit(id, it->second, 0, /*force=*/true);
}

std::size_t Session::write(std::uint32_t id, BytesView data, Bytes& out) {
  drain_control(out);
  if (error_) return 0;
  auto it = streams_.find(id);
  if (it == streams_.end() || it->second.local_fin) return 0;
  Stream& s = it->second;
  const std::size_t n = std::min<std::size_t>(data.size(), s.send_window);
  for (std::size_t off = 0; off < n;) {
    const std::size_t chunk = std::min<std::size_t>(n - off, config_.max_frame_data);
    append_header(out, Header{kVersion, FrameType::data, take_ack_flag(s), id,
                              static_cast<std::uint32_t>(chunk)});
    append(out, data.subspan(off, chunk));
    off += chunk;
  }
  s.send_window -= static_cast<std::uint32_t>(n);
  return n;
}

void Session::close_write(std::uint32_t id) {
  auto it = streams_.find(id);
  if (it == streams_.end() || it->second.local_fin) return;
  Stream& s = it->second;
  queue(FrameType::window_update, flags::fin | take_ack_flag(s), id, 0);
  s.local_fin = true;
  if (s.remote_fin) erase_stream(it);
}

void Session::reset(std::uint32_t id) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  queue(FrameType::window_update, flags::rst, id, 0);
  erase_stream(it);
}

void Session::consumed(std::uint32_t id, std::size_t n) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  Stream& s = it->second;
  s.unconsumed -= std::min<std::uint64_t>(s.unconsumed, n);
  if (!s.remote_fin) grant_credit(id, s, 0, /*force=*/false);
}

void Session::set_receive_window(std::uint32_t id, std::uint32_t window) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  Stream& s = it->second;
  s.target_window = std::clamp(window, kDefaultWindow, config_.max_window);
  if (!s.remote_fin) grant_credit(id, s, 0, /*force=*/false);
}

void Session::ping(std::uint32_t opaque) { queue(FrameType::ping, flags::syn, 0, opaque); }

void Session::go_away(std::uint32_t code) {
  if (local_go_away_) return;
  local_go_away_ = true;
  queue(FrameType::go_away, 0, 0, code);
}

std::uint32_t Session::send_window(std::uint32_t id) const noexcept {
  auto it = streams_.find(id);
  return it == streams_.end() ? 0 : it->second.send_window;
}

std::uint32_t Session::receive_window(std::uint32_t id) const noexcept {
  auto it = streams_.find(id);
  return it == streams_.end() ? 0 : it->second.recv_window;
}

}  // namespace chiral::yamux
