// Protocol ids and bounds of AutoNAT v2 (libp2p/specs autonat/autonat-v2.md) and v1 (autonat-v1.md).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace chiral::autonat {

inline constexpr std::string_view kDialRequestProtocolId = "/libp2p/autonat/2/dial-request";
inline constexpr std::string_view kDialBackProtocolId = "/libp2p/autonat/2/dial-back";
inline constexpr std::string_view kV1ProtocolId = "/libp2p/autonat/1.0.0";

// go and js read messages up to 8192 bytes (rust 4104): accept 8192, never send more than 4096.
inline constexpr std::size_t kMaxMessageSize = 8192;
inline constexpr std::size_t kMaxSendSize = 4096;

// Amplification attack prevention ("Amplification Attack Prevention"): ask for 30k..100k bytes (rust
// clients refuse anything outside, go clients anything above), sent in DialDataResponse chunks of at
// most 4096 data bytes. Like go, a chunk under 100 bytes that does not complete the amount is refused
// (tiny chunks cost us a protobuf parse each and the client almost nothing).
inline constexpr std::uint64_t kMinDialDataBytes = 30'000;
inline constexpr std::uint64_t kMaxDialDataBytes = 100'000;
inline constexpr std::size_t kMaxDialDataChunk = 4096;
inline constexpr std::size_t kMinNonFinalChunk = 100;

// Only the first 50 addresses of a request are considered (go's maxPeerAddresses).
inline constexpr std::size_t kMaxAddrsConsidered = 50;
// v1: at most this many addresses are dialed for one request, one after the other.
inline constexpr std::size_t kMaxV1DialAttempts = 3;

}  // namespace chiral::autonat
