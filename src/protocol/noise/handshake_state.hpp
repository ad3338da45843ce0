// Noise HandshakeState (Noise spec rev 34, sections 5.3 and 7.5) for Noise_XX_25519_ChaChaPoly_SHA256.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/x25519.hpp"
#include "protocol/noise/cipher_state.hpp"
#include "protocol/noise/error.hpp"
#include "protocol/noise/symmetric_state.hpp"

namespace chiral::noise {

inline constexpr std::string_view kProtocolName = "Noise_XX_25519_ChaChaPoly_SHA256";
inline constexpr std::size_t kMaxMessageSize = 65535;  // Noise section 3

enum class Role { initiator, responder };

// XX:  -> e  /  <- e, ee, s, es  /  -> s, se   (no pre-messages)
class HandshakeState {
 public:
  enum class Token : std::uint8_t { e, s, ee, es, se, ss };  // message pattern tokens (section 7.1)

  // `fixed_ephemeral` replaces the generated ephemeral key (test vectors only).
  HandshakeState(Role role, crypto::X25519KeyPair static_kp, BytesView prologue,
                 std::optional<crypto::X25519KeyPair> fixed_ephemeral = std::nullopt);
  ~HandshakeState();
  HandshakeState(HandshakeState&&) noexcept = default;
  HandshakeState& operator=(HandshakeState&&) noexcept = default;

  // WriteMessage(payload): the handshake message to send. NoiseError::unexpected_message when it is the
  // peer's turn or the handshake is complete, message_too_large over 65535 bytes.
  Result<Bytes> write_message(BytesView payload);
  // ReadMessage(message): the decrypted payload. Any error ends the handshake (later calls fail with
  // handshake_failed).
  Result<Bytes> read_message(BytesView message);

  bool complete() const noexcept;
  bool is_my_turn() const noexcept;  // the next call should be write_message
  Role role() const noexcept { return role_; }

  // Split(); call only once complete(). first encrypts initiator -> responder, second responder ->
  // initiator: an initiator sends with first and receives with second, a responder the other way round.
  std::pair<CipherState, CipherState> split() noexcept;

  // The peer's static key once its "s" token was read.
  const std::optional<crypto::X25519Key>& remote_static() const noexcept { return rs_; }
  const crypto::X25519Key& local_static_public() const noexcept { return s_.pub; }
  // h: after completion, the channel binding value (section 11.2).
  const crypto::Sha256Digest& handshake_hash() const noexcept { return symmetric_.handshake_hash(); }

 private:
  Result<void> mix_dh(const crypto::X25519KeyPair* local, const std::optional<crypto::X25519Key>& remote);
  Result<void> process_dh(Token token);
  Result<Bytes> fail(error_code ec);

  Role role_;
  SymmetricState symmetric_;
  crypto::X25519KeyPair s_;
  std::optional<crypto::X25519KeyPair> e_;
  std::optional<crypto::X25519KeyPair> fixed_ephemeral_;
  std::optional<crypto::X25519Key> rs_;
  std::optional<crypto::X25519Key> re_;
  std::size_t message_index_ = 0;
  bool failed_ = false;
};

}  // namespace chiral::noise
