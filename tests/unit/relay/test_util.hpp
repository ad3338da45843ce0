// Helpers for the relay policy tests: synthetic peer ids, IPs and a fixed time origin.
#pragma once
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "multiformats/multihash.hpp"
#include "multiformats/peer_id.hpp"
#include "relay/ip.hpp"
#include "relay/limits.hpp"

namespace chiral::relay::test {

// Identity-multihash peer ids (not real keys; the policy never looks inside).
inline multiformats::PeerId peer(std::uint32_t n) {
  Bytes digest = to_bytes("relay-test-peer-");
  for (int i = 3; i >= 0; --i) digest.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  return multiformats::PeerId::from_bytes(multiformats::multihash::identity(digest)).value();
}

inline IpAddr ip(std::string_view text) {
  auto a = IpAddr::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddr{});
}

inline const TimePoint t0 = TimePoint{} + std::chrono::hours(1000);

}  // namespace chiral::relay::test
