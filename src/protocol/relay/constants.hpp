// Protocol ids, size bound and voucher envelope constants of Circuit Relay v2 (libp2p/specs relay/circuit-v2.md).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace chiral::relay_proto {

inline constexpr std::string_view kHopProtocolId = "/libp2p/circuit/relay/0.2.0/hop";
inline constexpr std::string_view kStopProtocolId = "/libp2p/circuit/relay/0.2.0/stop";
// go and rust read at most 4096 bytes per message (js 4 MiB): we neither send nor accept more.
inline constexpr std::size_t kMaxMessageSize = 4096;

inline constexpr std::string_view kVoucherDomain = "libp2p-relay-rsvp";
// Multicodec 0x0302 as the two literal bytes go/js write (not its uvarint form 82 06).
inline constexpr std::array<std::uint8_t, 2> kVoucherPayloadType = {0x03, 0x02};

}  // namespace chiral::relay_proto
