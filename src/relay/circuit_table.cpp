// Circuit table: slot accounting for open circuits, total and per peer (both ends).
#include "relay/circuit_table.hpp"

namespace chiral::relay {

using multiformats::PeerId;

std::variant<CircuitId, Refusal> CircuitTable::try_open(const PeerId& src, const PeerId& dst) {
  if (limits_.max_circuits != 0 && circuits_.size() >= limits_.max_circuits) return Refusal::over_circuits_total;
  if (limits_.max_circuits_per_peer != 0) {
    const std::size_t cap = limits_.max_circuits_per_peer;
    // src == dst would take two slots of the same peer (the policy refuses it before it gets here).
    const std::size_t src_need = src == dst ? 2 : 1;
    if (count_for(src) + src_need > cap || count_for(dst) + 1 > cap) return Refusal::over_circuits_per_peer;
  }
  const CircuitId id = next_id_++;
  circuits_.emplace(id, CircuitEnds{src, dst});
  ++per_peer_[src];
  ++per_peer_[dst];
  return id;
}

void CircuitTable::release(const PeerId& peer) {
  auto it = per_peer_.find(peer);
  if (it == per_peer_.end()) return;
  if (--it->second == 0) per_peer_.erase(it);
}

bool CircuitTable::close(CircuitId id) {
  auto it = circuits_.find(id);
  if (it == circuits_.end()) return false;
  release(it->second.src);
  release(it->second.dst);
  circuits_.erase(it);
  return true;
}

const CircuitEnds* CircuitTable::find(CircuitId id) const {
  auto it = circuits_.find(id);
  return it == circuits_.end() ? nullptr : &it->second;
}

std::size_t CircuitTable::count_for(const PeerId& peer) const {
  auto it = per_peer_.find(peer);
  return it == per_peer_.end() ? 0 : it->second;
}

}  // namespace chiral::relay
