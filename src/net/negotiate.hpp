// multistream-select driven over any async byte stream `Io` with:
//   awaitable<Result<size_t>> read_some(MutableBytesView), awaitable<error_code> write(BytesView),
//   void unread(BytesView)  -- bytes read past the negotiation go back to the stream.
// Deadlines are the caller's (a Watchdog around the call).
#pragma once
#include <string>
#include <vector>

#include "net/asio.hpp"
#include "protocol/multistream/dialer.hpp"
#include "protocol/multistream/listener.hpp"

namespace chiral::net {

inline constexpr std::size_t kNegotiationReadChunk = 1024;

template <class Io>
awaitable<Result<std::string>> negotiate_inbound(Io& io, const std::vector<std::string>& protocols) {
  multistream::Listener listener(protocols);
  std::uint8_t buf[kNegotiationReadChunk];
  while (!listener.done()) {
    auto n = co_await io.read_some(buf);
    if (!n) co_return n.error();
    auto out = listener.feed({buf, *n});
    if (!out) co_return out.error();
    if (!out->empty()) {
      if (auto ec = co_await io.write(*out)) co_return ec;
    }
  }
  io.unread(listener.leftover());
  co_return std::string(listener.selected());
}

template <class Io>
awaitable<Result<std::string>> negotiate_outbound(Io& io, std::vector<std::string> protocols) {
  multistream::Dialer dialer(std::move(protocols));
  auto first = dialer.start();
  if (!first) co_return first.error();
  if (auto ec = co_await io.write(*first)) co_return ec;
  std::uint8_t buf[kNegotiationReadChunk];
  while (!dialer.done()) {
    auto n = co_await io.read_some(buf);
    if (!n) co_return n.error();
    auto out = dialer.feed({buf, *n});
    if (!out) co_return out.error();
    if (!out->empty()) {
      if (auto ec = co_await io.write(*out)) co_return ec;
    }
  }
  io.unread(dialer.leftover());
  co_return std::string(dialer.selected());
}

}  // namespace chiral::net
