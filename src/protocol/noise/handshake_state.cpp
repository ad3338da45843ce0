// Noise HandshakeState (Noise spec rev 34, section 5.3) running the XX pattern (section 7.5).
#include "protocol/noise/handshake_state.hpp"

#include <algorithm>
#include <span>

#include <openssl/crypto.h>

namespace chiral::noise {

namespace {
// Message patterns of XX; even indexes are written by the initiator.
using Token = HandshakeState::Token;
using TokenList = std::span<const Token>;
constexpr Token kMessage1[] = {Token::e};
constexpr Token kMessage2[] = {Token::e, Token::ee, Token::s, Token::es};
constexpr Token kMessage3[] = {Token::s, Token::se};
constexpr TokenList kPattern[] = {kMessage1, kMessage2, kMessage3};
constexpr std::size_t kMessageCount = std::size(kPattern);
constexpr std::size_t kDhLen = crypto::kX25519KeySize;

void cleanse(crypto::X25519KeyPair& kp) { OPENSSL_cleanse(kp.priv.data(), kp.priv.size()); }
}  // namespace

HandshakeState::HandshakeState(Role role, crypto::X25519KeyPair static_kp, BytesView prologue,
                               std::optional<crypto::X25519KeyPair> fixed_ephemeral)
    : role_(role), symmetric_(kProtocolName), s_(static_kp), fixed_ephemeral_(std::move(fixed_ephemeral)) {
  cleanse(static_kp);
  symmetric_.mix_hash(prologue);
  // XX has no pre-message public keys to hash.
}

HandshakeState::~HandshakeState() {
  cleanse(s_);
  if (e_) cleanse(*e_);
  if (fixed_ephemeral_) cleanse(*fixed_ephemeral_);
}

bool HandshakeState::complete() const noexcept { return !failed_ && message_index_ == kMessageCount; }

bool HandshakeState::is_my_turn() const noexcept {
  if (failed_ || message_index_ >= kMessageCount) return false;
  const bool initiator_writes = message_index_ % 2 == 0;
  return initiator_writes == (role_ == Role::initiator);
}

Result<Bytes> HandshakeState::fail(error_code ec) {
  failed_ = true;
  return ec;
}

Result<void> HandshakeState::mix_dh(const crypto::X25519KeyPair* local,
                                    const std::optional<crypto::X25519Key>& remote) {
  // A key used before it was set means the pattern is out of order: cannot happen for XX.
  if (local == nullptr || !remote) return NoiseError::unexpected_message;
  auto shared = crypto::x25519(local->priv, *remote);
  if (!shared) return NoiseError::bad_dh;
  symmetric_.mix_key(*shared);
  OPENSSL_cleanse(shared->data(), shared->size());
  return {};
}

Result<void> HandshakeState::process_dh(Token token) {
  const bool initiator = role_ == Role::initiator;
  const crypto::X25519KeyPair* e = e_ ? &*e_ : nullptr;
  switch (token) {
    case Token::ee: return mix_dh(e, re_);
    case Token::es: return initiator ? mix_dh(e, rs_) : mix_dh(&s_, re_);
    case Token::se: return initiator ? mix_dh(&s_, re_) : mix_dh(e, rs_);
    case Token::ss: return mix_dh(&s_, rs_);
    default: return NoiseError::unexpected_message;
  }
}

Result<Bytes> HandshakeState::write_message(BytesView payload) {
  if (failed_) return NoiseError::handshake_failed;
  if (!is_my_turn()) return NoiseError::unexpected_message;
  Bytes out;
  out.reserve(2 * (kDhLen + kTagSize) + payload.size() + kTagSize);
  for (const Token token : kPattern[message_index_]) {
    if (token == Token::e) {
      e_ = fixed_ephemeral_ ? *fixed_ephemeral_ : crypto::X25519KeyPair::generate();
      append(out, e_->pub);
      symmetric_.mix_hash(e_->pub);
    } else if (token == Token::s) {
      if (auto r = symmetric_.encrypt_and_hash(s_.pub, out); !r) return fail(r.error());
    } else if (auto r = process_dh(token); !r) {
      return fail(r.error());
    }
  }
  if (auto r = symmetric_.encrypt_and_hash(payload, out); !r) {
    return fail(r.error());
  }
  if (out.size() > kMaxMessageSize) return fail(make_error_code(NoiseError::message_too_large));
  ++message_index_;
  return out;
}

Result<Bytes> HandshakeState::read_message(BytesView message) {
  if (failed_) return NoiseError::handshake_failed;
  if (message_index_ >= kMessageCount || is_my_turn()) return NoiseError::unexpected_message;
  if (message.size() > kMaxMessageSize) return fail(make_error_code(NoiseError::message_too_large));
  for (const Token token : kPattern[message_index_]) {
    if (token == Token::e) {
      if (message.size() < kDhLen) return fail(make_error_code(NoiseError::message_too_short));
      crypto::X25519Key re;
      std::copy_n(message.begin(), kDhLen, re.begin());
      re_ = re;
      symmetric_.mix_hash(re);
      message = message.subspan(kDhLen);
    } else if (token == Token::s) {
      const std::size_t len = kDhLen + (symmetric_.has_key() ? kTagSize : 0);
      if (message.size() < len) return fail(make_error_code(NoiseError::message_too_short));
      Bytes rs;
      if (auto r = symmetric_.decrypt_and_hash(message.first(len), rs); !r) {
        return fail(r.error());
      }
      crypto::X25519Key key;
      std::copy_n(rs.begin(), kDhLen, key.begin());
      rs_ = key;
      message = message.subspan(len);
    } else if (auto r = process_dh(token); !r) {
      return fail(r.error());
    }
  }
  Bytes payload;
  if (auto r = symmetric_.decrypt_and_hash(message, payload); !r) {
    return fail(r.error());
  }
  ++message_index_;
  return payload;
}

std::pair<CipherState, CipherState> HandshakeState::split() noexcept { return symmetric_.split(); }

}  // namespace chiral::noise
