// AutoNAT server (libp2p/specs autonat/autonat-v2.md "AutoNAT V2 Protocol", "Amplification Attack
// Prevention"; autonat-v1.md "AutoNAT Protocol"): answers /libp2p/autonat/2/dial-request and
// /libp2p/autonat/1.0.0 by dialing the requester back from a separate, ephemeral identity over a new
// connection. Decisions come from protocol/autonat (address filter, dial-data accounting, limiter);
// this file moves messages and bytes, every step under a deadline.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "net/host.hpp"
#include "protocol/autonat/autonat.hpp"

namespace chiral::services {

// 0 = unlimited for the count and rate limits.
struct AutonatConfig {
  bool allow_private = false;                                         // dial loopback/private/link-local too
  net::Clock::duration dial_timeout = std::chrono::seconds(10);       // dial-back TCP connect, then upgrade
  net::Clock::duration dial_back_timeout = std::chrono::seconds(5);   // dial-back stream: open .. response
  std::size_t max_concurrent = 16;                                    // requests in progress (v1 + v2)
  std::size_t max_concurrent_per_peer = 1;
  std::size_t requests_per_minute_per_peer = 12;
  std::size_t requests_per_minute = 60;
  std::size_t dial_data_requests_per_minute = 12;
  net::Clock::duration dial_data_timeout = std::chrono::seconds(15);  // the whole dial-data transfer
  net::Clock::duration request_timeout = std::chrono::seconds(10);    // reading the request message
  net::Clock::duration max_dial_delay = std::chrono::seconds(3);      // random wait after dial data (go)
  net::Clock::duration linger_timeout = std::chrono::seconds(5);      // waiting for the client's close
  bool serve_v1 = true;                                               // also /libp2p/autonat/1.0.0
  bool dial_ip4 = true;  // families we may dial; further narrowed to those this machine has addresses of
  bool dial_ip6 = true;
};

// Plain numbers for the metrics layer. Labels: dial_backs "ok" / "dial_error" / "dial_back_error";
// refusals "concurrency", "peer_concurrency", "rate", "peer_rate", "dial_data_rate", "too_many_peers"
// (E_REQUEST_REJECTED; v1: E_DIAL_REFUSED), "no_dialable_address" (E_DIAL_REFUSED), "bad_request"
// (malformed or unexpected message; v1 also a wrong PeerInfo.id: E_BAD_REQUEST), "request_timeout",
// "dial_data_refused" (client reset or sent an invalid chunk), "dial_data_timeout", "shutting_down".
struct AutonatVersionCounters {
  std::uint64_t requests = 0;  // streams opened
  std::map<std::string, std::uint64_t, std::less<>> dial_backs;
  std::map<std::string, std::uint64_t, std::less<>> refusals;
};
struct AutonatCounters {
  AutonatVersionCounters v2;
  AutonatVersionCounters v1;
  std::uint64_t dial_data_requests = 0;  // DialDataRequests sent (v2)
  std::uint64_t dial_data_bytes = 0;     // DialDataResponse data bytes received (v2)
};

class AutonatService {
 public:
  AutonatService(net::Host& host, AutonatConfig cfg);
  ~AutonatService();
  AutonatService(const AutonatService&) = delete;
  AutonatService& operator=(const AutonatService&) = delete;

  const AutonatCounters& counters() const { return counters_; }
  const AutonatConfig& config() const { return cfg_; }
  std::size_t active_requests() const { return limiter_.in_progress(); }
  // The identity dial-backs come from (not the relay's).
  const multiformats::PeerId& dialer_peer_id() const { return dialer_->host.peer_id(); }
  // Refuses new requests and closes dial-back connections (shutdown).
  void stop();

 private:
  struct Families {
    bool ip4 = false;
    bool ip6 = false;
  };
  // The ephemeral dial-back host. Shared with the dials in flight: when the service goes away first, it
  // lives on until they and its connections are gone (a Host must outlive its connections).
  struct Dialer {
    Dialer(net::asio::io_context& io, const AutonatConfig& cfg);
    net::Host host;
    std::size_t in_flight = 0;
  };
  using DialerPtr = std::shared_ptr<Dialer>;

  net::awaitable<void> serve_v2(net::StreamPtr s, std::shared_ptr<bool> alive, DialerPtr dialer);
  net::awaitable<std::optional<autonat::v2::DialResponse>> handle_v2(net::StreamPtr s, net::ConnectionPtr conn,
                                                                    std::shared_ptr<bool> alive, DialerPtr dialer);
  // Sends DialDataRequest{addr_idx, amount} and reads that much DialDataResponse data, under one deadline.
  net::awaitable<error_code> receive_dial_data(net::StreamPtr s, std::uint32_t addr_idx, std::uint64_t amount,
                                               std::shared_ptr<bool> alive);
  net::awaitable<void> serve_v1(net::StreamPtr s, std::shared_ptr<bool> alive, DialerPtr dialer);
  net::awaitable<autonat::v1::DialResponse> handle_v1(net::StreamPtr s, net::ConnectionPtr conn,
                                                      std::shared_ptr<bool> alive, DialerPtr dialer);
  // Static: they must not touch the service after a suspension (it may be gone; the Dialer is not).
  // dial: a new connection from the ephemeral host to `target` (with /p2p/<peer>).
  static net::awaitable<Result<net::ConnectionPtr>> dial(DialerPtr dialer, multiformats::Multiaddr target);
  // v2: dial, open /libp2p/autonat/2/dial-back, DialBack{nonce}, wait for the answer; closes the connection.
  static net::awaitable<autonat::v2::DialStatus> dial_back(DialerPtr dialer, multiformats::Multiaddr target,
                                                           std::uint64_t nonce, net::Clock::duration stream_timeout);
  static net::awaitable<autonat::v2::DialStatus> send_dial_back(net::ConnectionPtr c, std::uint64_t nonce,
                                                                net::Clock::duration stream_timeout);
  static net::awaitable<void> retire(DialerPtr dialer, net::Clock::duration max_wait);
  // Sends the final message, half-closes and waits (bounded) for the client's close.
  net::awaitable<void> reply(net::StreamPtr s, Bytes message);

  autonat::DialPolicy policy(bool same_ip_only);
  void refuse(AutonatVersionCounters& c, std::string_view reason) { ++c.refusals[std::string(reason)]; }

  net::Host& host_;
  AutonatConfig cfg_;
  DialerPtr dialer_;
  autonat::Limiter limiter_;
  AutonatCounters counters_;
  std::mt19937_64 rng_;
  Families families_;
  std::vector<multiformats::Multiaddr> own_addrs_;  // never dialed back (a dial to ourselves)
  std::optional<net::Clock::time_point> families_checked_;
  std::shared_ptr<bool> alive_;
  bool stopped_ = false;
};

}  // namespace chiral::services
