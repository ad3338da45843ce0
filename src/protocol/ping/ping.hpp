// Ping (libp2p/specs ping/ping.md): the dialer sends 32 random bytes, the listener echoes them, repeatedly
// on one stream until either side closes. No framing.
#pragma once
#include <cstddef>
#include <string_view>

namespace chiral::ping {

inline constexpr std::string_view kProtocolId = "/ipfs/ping/1.0.0";
inline constexpr std::size_t kPayloadSize = 32;
// A listener accepts this many concurrent ping streams per peer (spec: at most one outbound per dialer,
// we tolerate two for reconnect races).
inline constexpr std::size_t kMaxInboundStreamsPerPeer = 2;

}  // namespace chiral::ping
