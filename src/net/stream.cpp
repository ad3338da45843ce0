#include "net/stream.hpp"

#include <algorithm>
#include <cstring>

#include "core/error.hpp"
#include "core/uvarint.hpp"
#include "net/connection.hpp"

namespace chiral::net {

Stream::Stream(std::weak_ptr<Connection> conn, std::uint32_t id, const asio::any_io_executor& ex)
    : conn_(std::move(conn)), id_(id), readable_(ex), writable_(ex) {}

Stream::~Stream() {
  if (auto c = conn_.lock()) c->stream_dropped(id_, reset_ || (local_closed_ && remote_closed_));
}

awaitable<Result<std::size_t>> Stream::read_some(MutableBytesView buf) {
  for (;;) {
    if (buffered() > 0) {
      const std::size_t n = std::min(buf.size(), buffered());
      std::memcpy(buf.data(), recv_.data() + recv_off_, n);
      recv_off_ += n;
      memory_.shrink(n);
      if (recv_off_ == recv_.size()) {
        recv_.clear();
        recv_off_ = 0;
      }
      // Bytes put back by unread() were credited to the peer when first read: credit them once.
      const std::size_t already = std::min(n, precredited_);
      precredited_ -= already;
      if (n > already) {
        if (auto c = conn_.lock()) c->stream_consumed(*this, n - already);
      }
      co_return n;
    }
    if (reset_) co_return make_error_code(asio::error::connection_reset);
    if (remote_closed_) co_return make_error_code(asio::error::eof);
    auto c = conn_.lock();
    if (!c || c->closed()) {
      reset_ = true;
      co_return make_error_code(asio::error::connection_reset);
    }
    c.reset();
    co_await readable_.wait();
  }
}

awaitable<error_code> Stream::read_exact(MutableBytesView buf) {
  std::size_t got = 0;
  while (got < buf.size()) {
    auto n = co_await read_some(buf.subspan(got));
    if (!n) co_return n.error();
    got += *n;
  }
  co_return error_code{};
}

awaitable<Result<Bytes>> Stream::read_frame(std::size_t max_len) {
  // Length prefix byte by byte (at most 9), then the body in one go: never reads past the frame.
  std::uint8_t prefix[uvarint::kMaxBytes];
  std::size_t n = 0;
  for (;;) {
    if (n == sizeof prefix) co_return make_error_code(CoreError::varint_overflow);
    if (auto ec = co_await read_exact({prefix + n, 1})) co_return ec;
    ++n;
    if (!(prefix[n - 1] & 0x80)) break;
  }
  auto len = uvarint::decode({prefix, n});
  if (!len) co_return len.error();
  if (len->value > max_len) co_return make_error_code(CoreError::too_large);
  Bytes body(static_cast<std::size_t>(len->value));
  if (auto ec = co_await read_exact(body)) co_return ec;
  co_return body;
}

awaitable<Result<Bytes>> Stream::read_to_end(std::size_t max_len) {
  Bytes out;
  std::uint8_t buf[4096];
  for (;;) {
    auto n = co_await read_some(buf);
    if (!n) {
      if (n.error() == asio::error::eof) co_return out;
      co_return n.error();
    }
    if (out.size() + *n > max_len) co_return make_error_code(CoreError::too_large);
    out.insert(out.end(), buf, buf + *n);
  }
}

awaitable<error_code> Stream::write(BytesView data) {
  if (reset_) co_return make_error_code(asio::error::connection_reset);
  if (local_closed_) co_return make_error_code(asio::error::shut_down);
  auto c = conn_.lock();
  if (!c) co_return make_error_code(asio::error::connection_reset);
  ++writers_;
  const error_code ec = co_await c->stream_write(*this, data);
  if (--writers_ == 0 && fin_deferred_) {
    fin_deferred_ = false;
    if (!reset_) c->stream_close_write(*this);
  }
  co_return ec;
}

awaitable<error_code> Stream::write_frame(BytesView body) {
  Bytes framed;
  framed.reserve(body.size() + uvarint::kMaxBytes);
  uvarint::append_frame(framed, body);
  co_return co_await write(framed);
}

void Stream::close_write() {
  if (local_closed_ || reset_) return;
  local_closed_ = true;
  if (writers_ > 0) {
    fin_deferred_ = true;  // the FIN must not overtake data still being written
    return;
  }
  if (auto c = conn_.lock()) c->stream_close_write(*this);
}

void Stream::reset() {
  if (reset_) return;
  reset_ = true;
  readable_.notify();
  writable_.notify();
  if (auto c = conn_.lock()) c->stream_reset(*this);
  fire_reset_hook();
}

void Stream::unread(BytesView data) {
  if (data.empty()) return;
  Bytes rest(recv_.begin() + static_cast<std::ptrdiff_t>(recv_off_), recv_.end());
  recv_.assign(data.begin(), data.end());
  append(recv_, rest);
  recv_off_ = 0;
  memory_.charge(data.size());
  precredited_ += data.size();
  readable_.notify();
}

void Stream::on_data(BytesView data) {
  if (recv_off_ > 0 && recv_off_ == recv_.size()) {
    recv_.clear();
    recv_off_ = 0;
  }
  append(recv_, data);
  readable_.notify();
}

void Stream::on_remote_close() {
  remote_closed_ = true;
  readable_.notify();
}

void Stream::on_reset() {
  reset_ = true;
  readable_.notify();
  writable_.notify();
  fire_reset_hook();
}

void Stream::fire_reset_hook() {
  if (!reset_hook_) return;
  auto hook = std::move(reset_hook_);
  reset_hook_ = nullptr;
  hook();
}

}  // namespace chiral::net
