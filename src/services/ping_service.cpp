#include "services/ping_service.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <array>

#include "core/error.hpp"

namespace chiral::services {

using namespace chiral::net;

PingService::PingService(Host& host, Clock::duration idle_timeout) : host_(host), idle_timeout_(idle_timeout) {
  host_.set_handler(std::string(ping::kProtocolId), [this](StreamPtr s) { return serve(std::move(s)); });
}

awaitable<void> PingService::serve(StreamPtr s) {
  auto conn = s->connection();
  if (!conn) co_return;
  const auto peer = conn->remote_peer();
  auto& active = active_[peer];
  if (active >= ping::kMaxInboundStreamsPerPeer) {
    spdlog::debug("peer {}: refusing ping stream: {} already open", peer.to_base58(), active);
    if (active == 0) active_.erase(peer);
    s->reset();
    co_return;
  }
  ++active;
  const auto executor = conn->executor();
  conn.reset();
  std::array<std::uint8_t, ping::kPayloadSize> buf;
  for (;;) {
    // An idle ping stream is a held slot: each ping must arrive within idle_timeout of the last one.
    Watchdog wd(executor, idle_timeout_, [s] { s->reset(); });
    if (co_await s->read_exact(buf)) break;
    if (co_await s->write(buf)) break;
  }
  s->close_write();
  if (--active_[peer] == 0) active_.erase(peer);
}

awaitable<Result<std::vector<Clock::duration>>> PingService::ping(ConnectionPtr conn, std::size_t count,
                                                                  Clock::duration timeout) {
  auto s = co_await conn->open_stream(ping::kProtocolId);
  if (!s) co_return s.error();
  auto stream = *s;
  Watchdog wd(conn->executor(), timeout, [stream] { stream->reset(); });
  std::vector<Clock::duration> rtts;
  std::array<std::uint8_t, ping::kPayloadSize> out, in;
  for (std::size_t i = 0; i < count; ++i) {
    RAND_bytes(out.data(), static_cast<int>(out.size()));
    const auto start = Clock::now();
    if (auto ec = co_await stream->write(out)) co_return ec;
    if (auto ec = co_await stream->read_exact(in)) co_return ec;
    if (in != out) {
      stream->reset();
      co_return make_error_code(CoreError::invalid_argument);
    }
    rtts.push_back(Clock::now() - start);
  }
  stream->close_write();
  co_return rtts;
}

}  // namespace chiral::services
