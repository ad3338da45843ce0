// Splice: moves bytes between two streams in both directions (a relayed circuit, circuit-v2.md "Relay
// Protocol"), counting per direction and enforcing the circuit's data and duration limits by counting,
// never by trusting the peers. Backpressure is end to end: a direction reads again only after the previous
// chunk was accepted by the other stream (yamux credit), so a slow receiver stalls its sender.
#pragma once
#include <functional>

#include "net/stream.hpp"

namespace chiral::net {

struct SpliceLimits {
  std::uint64_t data_per_direction = 0;  // bytes; 0 = unlimited
  Clock::duration duration{};            // zero = unlimited
};

enum class SpliceEnd {
  closed,          // both directions reached EOF
  reset,           // a side reset, or a connection died
  data_limit,      // a direction exceeded its byte budget: circuit reset
  duration_limit,  // the circuit outlived its duration: circuit reset
};
const char* splice_end_label(SpliceEnd e);

struct SpliceResult {
  std::uint64_t a_to_b = 0;
  std::uint64_t b_to_a = 0;
  SpliceEnd end = SpliceEnd::closed;
};

// `on_bytes(a_to_b, n)` is called as bytes are forwarded (for live metrics).
awaitable<SpliceResult> splice(StreamPtr a, StreamPtr b, SpliceLimits limits,
                               std::function<void(bool a_to_b, std::size_t n)> on_bytes = {});

}  // namespace chiral::net
