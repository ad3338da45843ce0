// The client side of Circuit Relay v2 (circuit-v2.md): reserve a slot, connect through a relay, and
// accept circuits on /stop. The daemon never uses it (a relay is not a relay client); tests and the load
// generator do.
#pragma once
#include <functional>

#include "net/host.hpp"
#include "protocol/relay/relay.hpp"

namespace chiral::services {

// Sends one HOP message and returns the relay's answer (the stream is closed afterwards unless
// `keep_stream` receives it).
net::awaitable<Result<relay_proto::HopMessage>> relay_reserve(net::ConnectionPtr relay,
                                                               net::Clock::duration timeout = std::chrono::seconds(10));

struct RelayedStream {
  relay_proto::HopMessage status;  // the relay's answer (check status == OK)
  net::StreamPtr stream;           // the circuit when OK
};
net::awaitable<Result<RelayedStream>> relay_connect(net::ConnectionPtr relay, const multiformats::PeerId& target,
                                                    net::Clock::duration timeout = std::chrono::seconds(10));

// Chiral's /chiral/relay-auth/1.0.0: true when the relay accepted `token` for this connection.
net::awaitable<Result<bool>> relay_authenticate(net::ConnectionPtr relay, std::string_view token);

// Answers STOP CONNECT with OK and hands the circuit to `on_circuit(stream, source, limit)`.
class StopListener {
 public:
  using OnCircuit = std::function<net::awaitable<void>(net::StreamPtr, multiformats::PeerId source,
                                                       std::optional<relay_proto::Limit> limit)>;
  StopListener(net::Host& host, OnCircuit on_circuit);

 private:
  net::awaitable<void> serve(net::StreamPtr s);
  OnCircuit on_circuit_;
};

}  // namespace chiral::services
