// Connection upgrade (libp2p/specs connections/README.md "Upgrading Connections"): multistream-select
// picks /noise, the Noise XX handshake authenticates the peer, then the muxer is taken from the Noise
// extensions (inlined muxer negotiation) or negotiated with a second multistream round. The whole upgrade
// runs under one deadline.
#pragma once
#include <optional>

#include "crypto/keys.hpp"
#include "multiformats/peer_id.hpp"
#include "net/asio.hpp"
#include "net/connection.hpp"
#include "net/secure_channel.hpp"

namespace chiral::net {

inline constexpr std::string_view kNoiseProtocolId = "/noise";
inline constexpr std::string_view kYamuxProtocolId = "/yamux/1.0.0";

struct Upgraded {
  SecureChannel channel;
  ConnectionInfo info;
  Bytes early_plaintext;  // muxer bytes that arrived with the negotiation
};

// On failure `stage` names the step that failed ("security negotiation", "noise", "muxer negotiation").
// `stream` is plain TCP or an accepted/connected WebSocket (ws_transport.hpp).
awaitable<Result<Upgraded>> upgrade_inbound(ByteStream stream, const crypto::Ed25519PrivateKey& key,
                                            Clock::duration timeout, const char** stage = nullptr);
awaitable<Result<Upgraded>> upgrade_outbound(ByteStream stream, const crypto::Ed25519PrivateKey& key,
                                             std::optional<multiformats::PeerId> expected,
                                             Clock::duration timeout, const char** stage = nullptr);

}  // namespace chiral::net
