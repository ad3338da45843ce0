// Host: the local libp2p node. Owns the identity, TCP and WebSocket listeners, the set of live connections
// and the protocol handler table; upgrades inbound and outbound connections (multistream -> Noise -> Yamux).
#pragma once
#include <array>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/keys.hpp"
#include "multiformats/multiaddr.hpp"
#include "multiformats/peer_id.hpp"
#include "net/asio.hpp"
#include "net/connection.hpp"
#include "net/resource_manager.hpp"
#include "net/ws_transport.hpp"

namespace chiral::net {

struct HostConfig {
  ConnectionConfig connection;
  Clock::duration handshake_timeout = std::chrono::seconds(10);  // whole TCP -> yamux upgrade
  Clock::duration dial_timeout = std::chrono::seconds(10);
  std::vector<multiformats::Multiaddr> external_addrs;  // advertised before bound addresses
  ResourceLimits resources;  // inbound admission (connections, handshakes, streams, buffers); 0 = unlimited
  std::shared_ptr<TlsContext> tls_server;  // certificate + key for /wss and /tls/ws listeners
  std::shared_ptr<TlsContext> tls_client;  // trust anchors for dialing /wss (absent: /wss dials fail)
};

class Host {
 public:
  using StreamHandler = std::function<awaitable<void>(StreamPtr)>;
  // Called when a connection is established (opened=true) and when it is gone (opened=false).
  using ConnectionObserver = std::function<void(const ConnectionPtr&, bool opened)>;

  Host(asio::io_context& io, crypto::Ed25519PrivateKey key, HostConfig cfg);
  ~Host();

  const multiformats::PeerId& peer_id() const { return peer_id_; }
  const crypto::Ed25519PrivateKey& key() const { return key_; }
  asio::io_context& io() { return io_; }
  const HostConfig& config() const { return cfg_; }

  void set_handler(std::string protocol, StreamHandler handler);
  const StreamHandler* find_handler(std::string_view protocol) const;
  const std::vector<std::string>& protocols() const { return protocols_; }

  // Binds and starts accepting on /ip4|ip6/../tcp/<port>, optionally followed by /ws, /wss or /tls/ws
  // (port 0 = ephemeral). /wss and /tls/ws need config().tls_server.
  error_code listen(const multiformats::Multiaddr& addr);
  // Addresses to advertise: external addresses first, then every bound address made concrete
  // (0.0.0.0 / :: expanded to the host's interface addresses).
  std::vector<multiformats::Multiaddr> listen_addrs() const;
  // The bound socket addresses as multiaddrs (unexpanded).
  std::vector<multiformats::Multiaddr> bound_addrs() const;

  // Dials /ip4|ip6|dns4|dns6/../tcp/..[/ws|/wss|/tls/ws]/p2p/<id> (the /p2p part is checked when present;
  // /wss needs config().tls_client).
  awaitable<Result<ConnectionPtr>> dial(const multiformats::Multiaddr& addr);

  void add_observer(ConnectionObserver obs) { observers_.push_back(std::move(obs)); }
  std::vector<ConnectionPtr> connections() const;
  std::vector<ConnectionPtr> connections_to(const multiformats::PeerId& peer) const;
  std::size_t connection_count() const { return connections_.size(); }
  std::size_t connected_peer_count() const { return by_peer_.size(); }
  // Inbound connections that failed their upgrade, by stage: security_negotiation, noise, muxer_negotiation.
  const std::map<std::string, std::uint64_t>& handshake_failures() const { return handshake_failures_; }

  // Stops listening; connections being upgraded are dropped; live connections stay (graceful drain).
  void stop_accepting();
  bool accepting() const { return !stopped_ && !draining_; }
  ResourceManager& resources() { return resources_; }
  const ResourceManager& resources() const { return resources_; }
  // Peers whose idle connections stay open (ConnectionConfig::idle_timeout), e.g. reserved relay peers.
  void set_idle_exempt(std::function<bool(const multiformats::PeerId&)> f) { idle_exempt_ = std::move(f); }
  bool idle_exempt(const multiformats::PeerId& peer) const { return idle_exempt_ && idle_exempt_(peer); }
  std::uint64_t idle_closed() const { return idle_closed_; }
  void count_idle_close() { ++idle_closed_; }

  // Stops listening and closes every connection with GoAway.
  void stop();

  // Called by Connection::teardown.
  void connection_closed(const ConnectionPtr& c);

 private:
  awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor, TransportSpec transport);
  awaitable<void> handle_inbound(tcp::socket socket, TransportSpec transport, ConnectionPermit permit);
  bool admit(tcp::socket& socket, ConnectionPermit& permit);
  void register_connection(const ConnectionPtr& c);

  asio::io_context& io_;
  crypto::Ed25519PrivateKey key_;
  multiformats::PeerId peer_id_;
  HostConfig cfg_;
  std::map<std::string, StreamHandler, std::less<>> handlers_;
  std::vector<std::string> protocols_;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors_;
  std::vector<TransportSpec> acceptor_transports_;  // parallel to acceptors_: TCP, /ws, /wss or /tls/ws
  std::unordered_map<std::uint64_t, ConnectionPtr> connections_;
  std::unordered_map<multiformats::PeerId, std::vector<std::uint64_t>> by_peer_;
  std::vector<ConnectionObserver> observers_;
  std::map<std::string, std::uint64_t> handshake_failures_;
  ResourceManager resources_;
  std::function<bool(const multiformats::PeerId&)> idle_exempt_;
  std::uint64_t idle_closed_ = 0;
  std::array<std::uint64_t, kResourceRefusalCount> refusals_unlogged_{};  // refusal log lines held back
  Clock::time_point refusal_logged_at_{};
  std::uint64_t next_conn_id_ = 1;
  bool stopped_ = false;
  bool draining_ = false;  // stop_accepting() was called
};

}  // namespace chiral::net
