// Open relayed circuits (circuit-v2.md "Hop protocol" CONNECT): total cap and per-peer cap counted at both
// ends, so a busy target cannot be flooded and a busy source cannot hog the relay.
#pragma once
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <variant>

#include "multiformats/peer_id.hpp"
#include "relay/limits.hpp"
#include "relay/refusal.hpp"

namespace chiral::relay {

using CircuitId = std::uint64_t;  // never 0, never reused within one table

struct CircuitEnds {
  multiformats::PeerId src, dst;
};

class CircuitTable {
 public:
  explicit CircuitTable(const Limits& limits) : limits_(limits) {}
  void set_limits(const Limits& limits) { limits_ = limits; }  // open circuits stay

  // Counts against the total and against BOTH the src and the dst per-peer counts.
  std::variant<CircuitId, Refusal> try_open(const multiformats::PeerId& src, const multiformats::PeerId& dst);
  // Idempotent; unknown ids are ignored. Returns whether the id was open.
  bool close(CircuitId id);
  const CircuitEnds* find(CircuitId id) const;
  std::size_t size() const noexcept { return circuits_.size(); }
  std::size_t count_for(const multiformats::PeerId& peer) const;  // circuits with `peer` at either end

  struct IndexSizes {
    std::size_t circuits, per_peer;
  };
  IndexSizes debug_index_sizes() const noexcept { return {circuits_.size(), per_peer_.size()}; }

 private:
  void release(const multiformats::PeerId& peer);

  Limits limits_;
  CircuitId next_id_ = 1;
  std::unordered_map<CircuitId, CircuitEnds> circuits_;
  std::unordered_map<multiformats::PeerId, std::uint32_t> per_peer_;  // only peers with >= 1 circuit
};

}  // namespace chiral::relay
