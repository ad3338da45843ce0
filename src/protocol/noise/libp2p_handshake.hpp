// libp2p Noise handshake over XX (libp2p/specs noise/README.md "The libp2p Handshake Payload", "XX";
// connections/inlined-muxer-negotiation.md "Multiplexer Negotiation over Noise"). Sans-I/O.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/keys.hpp"
#include "crypto/x25519.hpp"
#include "protocol/noise/error.hpp"
#include "protocol/noise/handshake_state.hpp"
#include "protocol/noise/transport.hpp"

namespace chiral::noise {

inline constexpr std::string_view kStaticKeySignaturePrefix = "noise-libp2p-static-key:";
inline constexpr std::size_t kMaxHandshakePayload = 8192;  // largest NoiseHandshakePayload we accept

struct Libp2pHandshakeOptions {
  std::vector<std::string> muxers;  // ours, in preference order; empty: send no stream_muxers extension
  // Optional check of the authenticated remote identity; false -> NoiseError::peer_mismatch.
  std::function<bool(const crypto::PublicKey&)> accept_remote;
  // Optional serialized PublicKey the remote must have (compared in deterministic encoding).
  std::optional<Bytes> expected_remote_key;
  // Test injection. Default: a fresh static X25519 key per handshake (spec allows, go/rust do this).
  std::optional<crypto::X25519KeyPair> static_key;
  std::optional<crypto::X25519KeyPair> ephemeral_key;
};

// What a completed handshake hands to the connection.
struct Libp2pSession {
  crypto::PublicKey remote_key;
  std::string muxer;  // negotiated inline; empty: none (peer sent none, or no overlap) -> multistream round
  TransportCipher send;
  TransportCipher recv;
  crypto::Sha256Digest handshake_hash;
};

class Libp2pHandshake {
 public:
  struct Step {
    Bytes send;         // ready for the wire: 2-byte big-endian length + handshake message; may be empty
    bool done = false;  // handshake complete; call finish()
  };
  using RemoteCheck = std::function<bool(const crypto::PublicKey&)>;

  // Signs our static key right away; `identity` is not retained.
  Libp2pHandshake(Role role, const crypto::Ed25519PrivateKey& identity, Libp2pHandshakeOptions options);
  Libp2pHandshake(Role role, const crypto::Ed25519PrivateKey& identity, std::vector<std::string> muxers,
                  RemoteCheck accept_remote = {});

  // Initiator: message 1 (no payload). Responder: nothing to send. Call once, first.
  Result<Step> on_start();
  // One handshake message body (the 2-byte length prefix already removed, e.g. by decode_raw_frame).
  // Initiator: message 2 in, message 3 out, done. Responder: message 1 in, message 2 out; message 3 in,
  // done. Any error is final.
  Result<Step> on_message(BytesView body);

  bool done() const noexcept { return state_ == State::done; }
  Role role() const noexcept { return role_; }
  // Set once the remote payload verified (after message 2 for the initiator, 3 for the responder).
  const crypto::PublicKey* remote_public_key() const noexcept { return remote_key_ ? &*remote_key_ : nullptr; }
  const std::vector<std::string>& remote_muxers() const noexcept { return remote_muxers_; }
  // First of the initiator's muxers that the responder also lists; empty when there is none.
  const std::string& negotiated_muxer() const noexcept { return muxer_; }

  // Once done(): the session keys for our role (send = initiator->responder for the initiator). Moves the
  // ciphers out, so it succeeds once; otherwise NoiseError::unexpected_message.
  Result<Libp2pSession> finish();

 private:
  enum class State { start, await_message1, await_message2, await_message3, done, finished, failed };

  Result<Step> fail(error_code ec);
  Result<Step> send_message(BytesView payload, bool done);
  Result<void> verify_remote(BytesView payload);
  void complete();

  Role role_;
  State state_ = State::start;
  HandshakeState hs_;
  Bytes our_payload_;  // serialized NoiseHandshakePayload (identity key, signature, muxers)
  std::vector<std::string> muxers_;
  std::function<bool(const crypto::PublicKey&)> accept_remote_;
  std::optional<Bytes> expected_remote_key_;
  std::optional<crypto::PublicKey> remote_key_;
  std::vector<std::string> remote_muxers_;
  std::string muxer_;
  std::optional<TransportCipher> send_;
  std::optional<TransportCipher> recv_;
};

}  // namespace chiral::noise
