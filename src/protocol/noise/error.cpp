// Category for NoiseError (see error.hpp).
#include "protocol/noise/error.hpp"

namespace chiral::noise {

namespace {
const char* noise_message(NoiseError e) {
  switch (e) {
    case NoiseError::ok: return "ok";
    case NoiseError::unexpected_message: return "noise: call out of handshake order";
    case NoiseError::handshake_failed: return "noise: session already failed";
    case NoiseError::message_too_large: return "noise: message over 65535 bytes";
    case NoiseError::message_too_short: return "noise: handshake message truncated";
    case NoiseError::decrypt_failed: return "noise: decryption failed (bad tag)";
    case NoiseError::bad_dh: return "noise: DH with a low-order point";
    case NoiseError::nonce_exhausted: return "noise: nonce space exhausted";
    case NoiseError::frame_too_large: return "noise: frame plaintext over 65519 bytes";
    case NoiseError::frame_too_short: return "noise: frame shorter than the tag";
    case NoiseError::invalid_payload: return "noise: malformed handshake payload";
    case NoiseError::payload_too_large: return "noise: handshake payload too large";
    case NoiseError::invalid_identity_key: return "noise: unusable remote identity key";
    case NoiseError::bad_signature: return "noise: static key signature does not verify";
    case NoiseError::peer_mismatch: return "noise: remote peer is not the expected one";
  }
  return "noise: unknown error";
}
}  // namespace

const boost::system::error_category& noise_category() noexcept {
  static const EnumCategory<NoiseError> cat("chiral.noise", noise_message);
  return cat;
}

}  // namespace chiral::noise
