// Ping (libp2p/specs ping/ping.md) bound to the host: echoes 32-byte payloads; at most two inbound ping
// streams per peer. Also the requester side, used by chiral-dial and tests.
#pragma once
#include <unordered_map>
#include <vector>

#include "net/host.hpp"
#include "protocol/ping/ping.hpp"

namespace chiral::services {

class PingService {
 public:
  explicit PingService(net::Host& host);

  // Sends `count` pings on one stream; returns the round-trip times. Fails on a mismatched echo.
  net::awaitable<Result<std::vector<net::Clock::duration>>> ping(net::ConnectionPtr conn, std::size_t count,
                                                                  net::Clock::duration timeout);

 private:
  net::awaitable<void> serve(net::StreamPtr s);

  net::Host& host_;
  std::unordered_map<multiformats::PeerId, std::size_t> active_;
};

}  // namespace chiral::services
