// Fixed keys of the Noise responder fuzz target, shared with the corpus generator so that its recorded
// initiator messages complete the handshake against the fuzzed responder.
#pragma once
#include "crypto/keys.hpp"
#include "crypto/x25519.hpp"
#include "protocol/noise/libp2p_handshake.hpp"

namespace chiral::fuzz {

inline crypto::X25519KeyPair fixed_x25519(std::uint8_t b) {
  const crypto::X25519Key priv{b, b, b, b, b, b, b, b};
  return crypto::X25519KeyPair::from_private(priv.data());
}
inline const crypto::Ed25519PrivateKey& responder_identity() {
  static const auto k = *crypto::Ed25519PrivateKey::from_seed(Bytes(32, 1));
  return k;
}
inline const crypto::Ed25519PrivateKey& initiator_identity() {
  static const auto k = *crypto::Ed25519PrivateKey::from_seed(Bytes(32, 2));
  return k;
}
inline noise::Libp2pHandshake make_responder() {
  return noise::Libp2pHandshake(noise::Role::responder, responder_identity(),
                                noise::Libp2pHandshakeOptions{{"/yamux/1.0.0", "/mplex/6.7.0"}, {}, {},
                                                              fixed_x25519(5), fixed_x25519(6)});
}
inline noise::Libp2pHandshake make_initiator() {
  return noise::Libp2pHandshake(noise::Role::initiator, initiator_identity(),
                                noise::Libp2pHandshakeOptions{{"/yamux/1.0.0"}, {}, {},
                                                              fixed_x25519(3), fixed_x25519(4)});
}

}  // namespace chiral::fuzz
