// Circuit Relay v2 relay side (libp2p/specs relay/circuit-v2.md): the HOP responder (RESERVE, CONNECT),
// the STOP initiator towards reserved peers, and the splice between them. Decisions come from
// relay::Policy (no I/O there); this file moves messages and bytes.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <unordered_set>

#include "net/host.hpp"
#include "net/splice.hpp"
#include "protocol/relay/relay.hpp"
#include "relay/policy.hpp"
#include "services/auth_service.hpp"

namespace chiral::services {

struct RelayConfig {
  relay::Limits limits;
  net::Clock::duration message_timeout = std::chrono::seconds(10);  // reading a HOP request
  net::Clock::duration stop_timeout = std::chrono::seconds(10);     // opening STOP + the target's answer
  net::Clock::duration expiry_sweep = std::chrono::seconds(5);
};

class RelayService {
 public:
  RelayService(net::Host& host, RelayConfig cfg, std::optional<relay::Acl> acl = std::nullopt);
  ~RelayService();

  relay::Policy& policy() { return policy_; }
  const relay::Policy& policy() const { return policy_; }
  // Addresses put in reservations: the external ones when configured, else the concrete public listen
  // addresses, else (with a warning once) every concrete listen address. Never empty while listening.
  std::vector<multiformats::Multiaddr> reservation_addrs() const;
  std::size_t active_circuits() const { return policy_.circuits().size(); }
  void reload(relay::Limits limits, std::optional<relay::Acl> acl);
  void stop();
  // Graceful shutdown (SIGTERM): new RESERVE and CONNECT requests are refused as `shutting_down`; circuits
  // already open keep flowing until their ends close them or finish_circuits() is called.
  void begin_drain() { draining_ = true; }
  bool draining() const { return draining_; }
  // True when `conn` carries one end of an open circuit.
  bool carries_circuit(const net::Connection& conn) const;
  // Half-closes both ends of every open circuit (each end reads a clean EOF); the splices finish once the
  // ends close their side, or when the connections are closed.
  void finish_circuits();
  // With a gate set, only peers that authenticated on their current connection may reserve.
  void set_auth(const AuthService* auth) { auth_ = auth; }
  // Called after every change of the tables (reservation made/dropped/expired, circuit opened/closed) and
  // every refusal: the metrics writer coalesces these into file writes.
  void set_on_change(std::function<void()> cb) { on_change_ = std::move(cb); }
  // Called when a spliced circuit ends: how long it lasted and the bytes it carried (both directions).
  using CircuitEndObserver = std::function<void(net::Clock::duration lasted, std::uint64_t bytes)>;
  void set_on_circuit_end(CircuitEndObserver cb) { on_circuit_end_ = std::move(cb); }

 private:
  net::awaitable<void> serve_hop(net::StreamPtr s);
  net::awaitable<void> handle_reserve(net::StreamPtr s, net::ConnectionPtr conn);
  net::awaitable<void> handle_connect(net::StreamPtr s, net::ConnectionPtr conn, const relay_proto::HopMessage& msg);
  net::awaitable<void> reply(net::StreamPtr s, relay_proto::Status status, std::string_view why,
                             const net::Connection& conn);
  net::awaitable<void> sweep_loop(std::shared_ptr<bool> alive);
  std::optional<relay_proto::Limit> wire_limit() const;

  net::Host& host_;
  RelayConfig cfg_;
  relay::Policy policy_;
  std::shared_ptr<bool> alive_;
  const AuthService* auth_ = nullptr;
  bool draining_ = false;
  std::map<relay::CircuitId, std::pair<net::StreamPtr, net::StreamPtr>> open_circuits_;  // hop side, stop side
  std::function<void()> on_change_;
  CircuitEndObserver on_circuit_end_;
  void changed() const {
    if (on_change_) on_change_();
  }
  mutable bool warned_private_addrs_ = false;
};

}  // namespace chiral::services
