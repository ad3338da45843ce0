// Error codes of the Noise module (Noise spec rev 34 sections 5 and 7; libp2p/specs noise/README.md).
#pragma once
#include "core/error.hpp"

namespace chiral::noise {

enum class NoiseError {
  ok = 0,
  unexpected_message = 1,    // call made in the wrong handshake state (not our turn, already complete, ...)
  handshake_failed = 2,      // an earlier error already ended this handshake / decoder
  message_too_large = 3,     // a Noise message over 65535 bytes
  message_too_short = 4,     // a handshake message shorter than its tokens require
  decrypt_failed = 5,        // AEAD authentication failure
  bad_dh = 6,                // X25519 with a low-order point (all-zero shared secret)
  nonce_exhausted = 7,       // nonce 2^64-1 is reserved (Noise section 5.1)
  frame_too_large = 8,       // transport plaintext over 65519 bytes
  frame_too_short = 9,       // transport frame shorter than the 16-byte tag
  invalid_payload = 10,      // NoiseHandshakePayload does not parse or lacks identity_key
  payload_too_large = 11,    // NoiseHandshakePayload over the 8 KiB we accept
  invalid_identity_key = 12, // identity_key is not a PublicKey we can parse/verify with
  bad_signature = 13,        // identity_sig does not sign "noise-libp2p-static-key:" || remote static key
  peer_mismatch = 14,        // remote identity is not the peer we expected / the check refused it
};

const boost::system::error_category& noise_category() noexcept;
inline boost::system::error_code make_error_code(NoiseError e) noexcept {
  return {static_cast<int>(e), noise_category()};
}

}  // namespace chiral::noise

namespace boost::system {
template <>
struct is_error_code_enum<chiral::noise::NoiseError> : std::true_type {};
}  // namespace boost::system
