// Identify and identify-push (libp2p/specs identify/README.md) bound to the host: answers /ipfs/id/1.0.0,
// accepts /ipfs/id/push/1.0.0, identifies every new connection, pushes when our addresses change.
#pragma once
#include <string>

#include "net/host.hpp"
#include "protocol/identify/identify.hpp"
#include "services/peer_store.hpp"

namespace chiral::services {

struct IdentifyConfig {
  std::string agent_version;
  std::string protocol_version = "/chiral/relay/1.0.0";
  bool identify_new_connections = true;
  net::Clock::duration timeout = std::chrono::seconds(10);
};

class IdentifyService {
 public:
  IdentifyService(net::Host& host, PeerStore& peers, IdentifyConfig cfg);

  // What we tell `conn`'s peer about ourselves (observed address = its remote TCP address).
  identify::Info local_info(const net::Connection& conn) const;

  // Runs identify as the requester on `conn` and stores the result in the peer store.
  net::awaitable<Result<identify::Info>> identify(net::ConnectionPtr conn);

  // Our addresses or protocols changed: push the new info to every connected peer.
  void push_to_all();

 private:
  net::awaitable<void> serve(net::StreamPtr s);
  net::awaitable<void> serve_push(net::StreamPtr s);
  net::awaitable<void> push(net::ConnectionPtr conn);
  // Verifies the identify result belongs to the connection's peer before storing it.
  bool accept_info(const net::Connection& conn, const identify::Info& info) const;

  // The signed peer record (RFC 0003) for `addrs`, re-signed with a higher seq only when they change.
  const Bytes& signed_peer_record(const std::vector<Bytes>& addrs) const;

  net::Host& host_;
  PeerStore& peers_;
  IdentifyConfig cfg_;
  mutable std::vector<Bytes> record_addrs_;
  mutable Bytes record_;
  mutable std::uint64_t record_seq_ = 0;
};

}  // namespace chiral::services
