// AutoNAT client side (libp2p/specs autonat/autonat-v2.md "AutoNAT V2 Protocol", autonat-v1.md): ask a
// server to dial us back, and answer its dial-back. Used by tests and tools; the relay itself only serves.
#pragma once
#include <chrono>
#include <optional>
#include <vector>

#include "net/host.hpp"
#include "protocol/autonat/autonat.hpp"

namespace chiral::services {

struct AutonatV2ClientOptions {
  std::uint64_t max_dial_data = autonat::kMaxDialDataBytes;  // asked for more: reset (refuse the cost)
  std::size_t chunk_size = autonat::kMaxDialDataChunk;       // data bytes per DialDataResponse
  net::Clock::duration timeout = std::chrono::seconds(60);   // the whole exchange
};

struct AutonatV2Outcome {
  autonat::v2::DialResponse response{};
  std::optional<autonat::v2::DialDataRequest> dial_data_request{};
  std::uint64_t dial_data_sent = 0;
};

// One DialRequest on a new /libp2p/autonat/2/dial-request stream; pays dial data when asked (within
// max_dial_data); returns the DialResponse. Errors: stream failures, a reset by the server, a message
// that does not belong (AutonatError::unexpected_message), or too much dial data asked (too_large).
net::awaitable<Result<AutonatV2Outcome>> autonat_v2_request(net::ConnectionPtr conn, std::vector<Bytes> addrs,
                                                            std::uint64_t nonce, AutonatV2ClientOptions opts = {});

// One v1 DIAL with `peer` as sent (tests send wrong ids on purpose); returns the DialResponse.
net::awaitable<Result<autonat::v1::DialResponse>> autonat_v1_request(
    net::ConnectionPtr conn, autonat::v1::PeerInfo peer, net::Clock::duration timeout = std::chrono::seconds(60));

// A DialBack that arrived, with what the client can check: the nonce, and the connection it came on.
struct DialBackRecord {
  DialBackRecord(std::uint64_t n, multiformats::PeerId p, multiformats::Multiaddr local, multiformats::Multiaddr remote)
      : nonce(n), from(std::move(p)), local_addr(std::move(local)), remote_addr(std::move(remote)) {}
  std::uint64_t nonce;
  multiformats::PeerId from;          // the server's dial-back identity
  multiformats::Multiaddr local_addr;  // our end of the dial-back connection (the address it reached)
  multiformats::Multiaddr remote_addr;
};

// Answers /libp2p/autonat/2/dial-back on `host`: records each DialBack and replies DialBackResponse{OK}.
class DialBackListener {
 public:
  explicit DialBackListener(net::Host& host, net::Clock::duration timeout = std::chrono::seconds(10));
  ~DialBackListener();
  const std::vector<DialBackRecord>& received() const { return received_; }

 private:
  net::awaitable<void> serve(net::StreamPtr s, std::shared_ptr<bool> alive);
  net::Clock::duration timeout_;
  std::vector<DialBackRecord> received_;
  std::shared_ptr<bool> alive_;
};

}  // namespace chiral::services
