#include "net/secure_channel.hpp"

#include <cstring>

#include "core/error.hpp"
#include "protocol/noise/error.hpp"

namespace chiral::net {

namespace {
// An idle connection holds a small buffer; the first frame that does not fit grows it to room for two
// maximal frames with their length prefixes, so bulk reads are large and compaction is rare.
constexpr std::size_t kInitialReadBuffer = 4096;
constexpr std::size_t kReadBufferSize = 2 * (kNoiseMaxFrame + 2);
}  // namespace

SecureChannel::SecureChannel(ByteStream stream) : stream_(std::move(stream)), in_(kInitialReadBuffer) {}

void SecureChannel::close() { stream_.close(); }

void SecureChannel::try_write_now(BytesView data) {
  auto* s = stream_.plain_tcp();
  if (!s) return;
  error_code ignored;
  s->non_blocking(true, ignored);
  s->write_some(asio::buffer(data.data(), data.size()), ignored);
}

awaitable<error_code> SecureChannel::fill(std::size_t need) {
  if (end_ - begin_ >= need) co_return error_code{};
  if (need > kReadBufferSize) co_return make_error_code(CoreError::too_large);
  if (need > in_.size()) in_.resize(kReadBufferSize);
  if (in_.size() - begin_ < need) {  // not enough room after begin_: compact
    std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  while (end_ - begin_ < need) {
    if (auto* s = stream_.plain_tcp()) {  // direct TCP read
      auto [ec, n] = co_await s->async_read_some(asio::buffer(in_.data() + end_, in_.size() - end_), use_nothrow);
      if (ec) co_return ec;
      end_ += n;
    } else {
      MutableBytesView room(in_.data() + end_, in_.size() - end_);
      auto n = co_await stream_.message_stream()->read_some(room);
      if (!n) co_return n.error();
      end_ += *n;
    }
  }
  co_return error_code{};
}

awaitable<Result<std::size_t>> SecureChannel::read_raw(MutableBytesView buf) {
  if (auto ec = co_await fill(1)) co_return ec;
  const std::size_t n = std::min(buf.size(), end_ - begin_);
  std::memcpy(buf.data(), in_.data() + begin_, n);
  begin_ += n;
  co_return n;
}

void SecureChannel::unread_raw(BytesView data) {
  if (data.empty()) return;
  if (begin_ >= data.size()) {
    begin_ -= data.size();
    std::memmove(in_.data() + begin_, data.data(), data.size());
    return;
  }
  Bytes rebuilt(data.begin(), data.end());
  rebuilt.insert(rebuilt.end(), in_.begin() + static_cast<std::ptrdiff_t>(begin_),
                 in_.begin() + static_cast<std::ptrdiff_t>(end_));
  end_ = rebuilt.size();
  begin_ = 0;
  rebuilt.resize(std::max(rebuilt.size(), in_.size()));
  in_ = std::move(rebuilt);
}

awaitable<error_code> SecureChannel::write_all(BytesView data) {
  if (auto* s = stream_.plain_tcp()) {  // direct TCP write
    auto [ec, n] = co_await asio::async_write(*s, asio::buffer(data.data(), data.size()), use_nothrow);
    co_return ec;
  }
  co_return co_await stream_.message_stream()->write_all(data);
}

awaitable<Result<BytesView>> SecureChannel::read_handshake_message() {
  if (auto ec = co_await fill(2)) co_return ec;
  const std::size_t len = std::size_t(in_[begin_]) << 8 | in_[begin_ + 1];
  if (auto ec = co_await fill(2 + len)) co_return ec;
  BytesView body(in_.data() + begin_ + 2, len);
  begin_ += 2 + len;
  co_return body;
}

void SecureChannel::append_handshake_message(Bytes& out, BytesView body) {
  out.push_back(static_cast<std::uint8_t>(body.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(body.size()));
  append(out, body);
}

void SecureChannel::set_ciphers(noise::TransportCipher tx, noise::TransportCipher rx) {
  tx_.emplace(std::move(tx));
  rx_.emplace(std::move(rx));
  secured_ = true;
}

awaitable<Result<BytesView>> SecureChannel::read_some() {
  if (auto ec = co_await fill(2)) co_return ec;
  const std::size_t len = std::size_t(in_[begin_]) << 8 | in_[begin_ + 1];
  if (len < noise::kTagSize) co_return make_error_code(noise::NoiseError::frame_too_short);
  if (auto ec = co_await fill(2 + len)) co_return ec;
  std::uint8_t* body = in_.data() + begin_ + 2;
  auto n = rx_->decrypt({body, len}, body);
  if (!n) co_return n.error();
  begin_ += 2 + len;
  co_return BytesView(body, *n);
}

void SecureChannel::seal(BytesView plain, Bytes& wire) {
  do {
    const std::size_t chunk = std::min(plain.size(), kNoiseMaxPlaintext);
    const std::size_t frame = chunk + noise::kTagSize;
    const std::size_t at = wire.size();
    wire.resize(at + 2 + frame);
    wire[at] = static_cast<std::uint8_t>(frame >> 8);
    wire[at + 1] = static_cast<std::uint8_t>(frame);
    // Cannot fail with a key set and nonces below 2^64-1 (which would take centuries to reach).
    (void)tx_->encrypt(plain.first(chunk), wire.data() + at + 2);
    plain = plain.subspan(chunk);
  } while (!plain.empty());
}

awaitable<Result<std::size_t>> SecurePlainIo::read_some(MutableBytesView buf) {
  while (pending_.empty()) {
    auto frame = co_await ch_.read_some();
    if (!frame) co_return frame.error();
    pending_.assign(frame->begin(), frame->end());
  }
  const std::size_t n = std::min(buf.size(), pending_.size());
  std::memcpy(buf.data(), pending_.data(), n);
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
  co_return n;
}

awaitable<error_code> SecurePlainIo::write(BytesView data) {
  Bytes wire;
  ch_.seal(data, wire);
  co_return co_await ch_.write_all(wire);
}

void SecurePlainIo::unread(BytesView data) { pending_.insert(pending_.begin(), data.begin(), data.end()); }

}  // namespace chiral::net
