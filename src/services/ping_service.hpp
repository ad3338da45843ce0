// Ping (libp2p/specs ping/ping.md) bound to the host: echoes 32-byte payloads; at most two inbound ping
// streams per peer, each reset after a minute without a ping. Also the requester side, used by chiral-dial and tests.
#pragma once
#include <unordered_map>
#include <vector>

#include "net/host.hpp"
#include "protocol/ping/ping.hpp"

namespace chiral::services {

class PingService {
 public:
  // `idle_timeout`: an inbound ping stream without a ping for this long is reset (go-libp2p resets too).
  explicit PingService(net::Host& host, net::Clock::duration idle_timeout = std::chrono::seconds(60));

  // Sends `count` pings on one stream; returns the round-trip times. Fails on a mismatched echo.
  net::awaitable<Result<std::vector<net::Clock::duration>>> ping(net::ConnectionPtr conn, std::size_t count,
                                                                  net::Clock::duration timeout);

 private:
  net::awaitable<void> serve(net::StreamPtr s);

  net::Host& host_;
  net::Clock::duration idle_timeout_;
  std::unordered_map<multiformats::PeerId, std::size_t> active_;
};

}  // namespace chiral::services
