// libp2p Noise handshake (libp2p/specs noise/README.md; connections/inlined-muxer-negotiation.md).
#include "protocol/noise/libp2p_handshake.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "proto/noise.pb.h"

namespace chiral::noise {

namespace {

// "noise-libp2p-static-key:" || static key, in a fixed array (no allocation).
using SigningInput = std::array<std::uint8_t, kStaticKeySignaturePrefix.size() + crypto::kX25519KeySize>;
SigningInput static_key_signing_input(const crypto::X25519Key& static_pub) {
  SigningInput msg;
  std::memcpy(msg.data(), kStaticKeySignaturePrefix.data(), kStaticKeySignaturePrefix.size());
  std::memcpy(msg.data() + kStaticKeySignaturePrefix.size(), static_pub.data(), static_pub.size());
  return msg;
}

BytesView view_of(const std::string& s) { return as_bytes(s); }

}  // namespace

Libp2pHandshake::Libp2pHandshake(Role role, const crypto::Ed25519PrivateKey& identity,
                                 Libp2pHandshakeOptions options)
    : role_(role),
      hs_(role, options.static_key ? *options.static_key : crypto::X25519KeyPair::generate(), BytesView{},
          options.ephemeral_key),
      muxers_(std::move(options.muxers)),
      accept_remote_(std::move(options.accept_remote)),
      expected_remote_key_(std::move(options.expected_remote_key)) {
  pb::NoiseHandshakePayload payload;
  const Bytes key = identity.public_key().to_protobuf();
  payload.set_identity_key(key.data(), key.size());
  const Bytes sig = identity.sign(static_key_signing_input(hs_.local_static_public()));
  payload.set_identity_sig(sig.data(), sig.size());
  // Sent in message 2 (responder) or 3 (initiator), never in the unencrypted message 1.
  if (!muxers_.empty()) {
    auto* extensions = payload.mutable_extensions();
    for (const auto& m : muxers_) extensions->add_stream_muxers(m);
  }
  our_payload_.resize(payload.ByteSizeLong());
  payload.SerializeToArray(our_payload_.data(), static_cast<int>(our_payload_.size()));
}

Libp2pHandshake::Libp2pHandshake(Role role, const crypto::Ed25519PrivateKey& identity,
                                 std::vector<std::string> muxers, RemoteCheck accept_remote)
    : Libp2pHandshake(role, identity,
                      Libp2pHandshakeOptions{std::move(muxers), std::move(accept_remote), {}, {}, {}}) {}

Result<Libp2pHandshake::Step> Libp2pHandshake::fail(error_code ec) {
  state_ = State::failed;
  remote_key_.reset();
  send_.reset();
  recv_.reset();
  return ec;
}

Result<Libp2pHandshake::Step> Libp2pHandshake::send_message(BytesView payload, bool done) {
  auto message = hs_.write_message(payload);
  if (!message) return fail(message.error());
  Step step;
  step.send.reserve(kFrameHeaderSize + message->size());
  if (auto r = append_raw_frame(step.send, *message); !r) return fail(r.error());
  step.done = done;
  return step;
}

Result<Libp2pHandshake::Step> Libp2pHandshake::on_start() {
  if (state_ == State::failed) return NoiseError::handshake_failed;
  if (state_ != State::start) return fail(make_error_code(NoiseError::unexpected_message));
  if (role_ == Role::responder) {
    state_ = State::await_message1;
    return Step{};
  }
  state_ = State::await_message2;
  return send_message({}, false);  // message 1: "e" and an empty payload
}

Result<Libp2pHandshake::Step> Libp2pHandshake::on_message(BytesView body) {
  if (state_ == State::failed) return NoiseError::handshake_failed;
  if (body.size() > kMaxMessageSize) return fail(make_error_code(NoiseError::message_too_large));
  switch (state_) {
    case State::await_message1: {
      // The initiator must not send a payload here; whatever it sent is unauthenticated: ignore it.
      if (auto payload = hs_.read_message(body); !payload) return fail(payload.error());
      state_ = State::await_message3;
      return send_message(our_payload_, false);
    }
    case State::await_message2: {
      auto payload = hs_.read_message(body);
      if (!payload) return fail(payload.error());
      if (auto r = verify_remote(*payload); !r) return fail(r.error());
      auto step = send_message(our_payload_, true);
      if (!step) return step;
      complete();
      return step;
    }
    case State::await_message3: {
      auto payload = hs_.read_message(body);
      if (!payload) return fail(payload.error());
      if (auto r = verify_remote(*payload); !r) return fail(r.error());
      complete();
      return Step{{}, true};
    }
    default:
      return fail(make_error_code(NoiseError::unexpected_message));
  }
}

Result<void> Libp2pHandshake::verify_remote(BytesView payload_bytes) {
  if (payload_bytes.size() > kMaxHandshakePayload) return NoiseError::payload_too_large;
  pb::NoiseHandshakePayload payload;
  if (!payload.ParseFromArray(payload_bytes.data(), static_cast<int>(payload_bytes.size())) ||
      !payload.has_identity_key()) {
    return NoiseError::invalid_payload;
  }
  auto key = crypto::PublicKey::from_protobuf(view_of(payload.identity_key()));
  if (!key) return NoiseError::invalid_identity_key;
  const auto& remote_static = hs_.remote_static();
  if (!remote_static) return NoiseError::unexpected_message;  // XX always reads "s" first
  if (!payload.has_identity_sig() ||
      !key->verify(static_key_signing_input(*remote_static), view_of(payload.identity_sig()))) {
    return NoiseError::bad_signature;
  }
  if (expected_remote_key_) {
    auto expected = crypto::PublicKey::from_protobuf(*expected_remote_key_);
    if (!expected || !(*expected == *key)) return NoiseError::peer_mismatch;
  }
  if (accept_remote_ && !accept_remote_(*key)) return NoiseError::peer_mismatch;
  remote_muxers_.clear();
  if (payload.has_extensions()) {
    for (const auto& m : payload.extensions().stream_muxers()) remote_muxers_.push_back(m);
  }
  remote_key_.emplace(*key);
  return {};
}

void Libp2pHandshake::complete() {
  auto [initiator_to_responder, responder_to_initiator] = hs_.split();
  if (role_ == Role::initiator) {
    send_.emplace(std::move(initiator_to_responder));
    recv_.emplace(std::move(responder_to_initiator));
  } else {
    send_.emplace(std::move(responder_to_initiator));
    recv_.emplace(std::move(initiator_to_responder));
  }
  // Inlined muxer negotiation: the initiator's preference order decides. No overlap (or a peer that sent
  // no list, like rust-libp2p) leaves it empty and the connection falls back to a multistream round, as
  // go-libp2p does, rather than failing the handshake.
  const auto& initiator_list = role_ == Role::initiator ? muxers_ : remote_muxers_;
  const auto& responder_list = role_ == Role::initiator ? remote_muxers_ : muxers_;
  muxer_.clear();
  for (const auto& m : initiator_list) {
    if (std::find(responder_list.begin(), responder_list.end(), m) != responder_list.end()) {
      muxer_ = m;
      break;
    }
  }
  state_ = State::done;
}

Result<Libp2pSession> Libp2pHandshake::finish() {
  if (state_ != State::done) return NoiseError::unexpected_message;
  state_ = State::finished;
  return Libp2pSession{*remote_key_, muxer_, std::move(*send_), std::move(*recv_), hs_.handshake_hash()};
}

}  // namespace chiral::noise
