// What we learned about connected peers from identify (agent, protocols, addresses). Entries live while
// the peer has at least one connection.
#pragma once
#include <optional>
#include <unordered_map>

#include "multiformats/peer_id.hpp"
#include "protocol/identify/identify.hpp"

namespace chiral::services {

class PeerStore {
 public:
  void update(const multiformats::PeerId& peer, identify::Info info) { peers_[peer] = std::move(info); }
  void erase(const multiformats::PeerId& peer) { peers_.erase(peer); }
  const identify::Info* find(const multiformats::PeerId& peer) const {
    auto it = peers_.find(peer);
    return it == peers_.end() ? nullptr : &it->second;
  }
  std::size_t size() const { return peers_.size(); }

 private:
  std::unordered_map<multiformats::PeerId, identify::Info> peers_;
};

}  // namespace chiral::services
