#include "net/upgrade.hpp"

#include "core/error.hpp"
#include "net/negotiate.hpp"
#include "net/signal.hpp"
#include "protocol/noise/libp2p_handshake.hpp"

namespace chiral::net {

namespace {

awaitable<Result<Upgraded>> upgrade(ByteStream stream, const crypto::Ed25519PrivateKey& key, bool inbound,
                                    std::optional<multiformats::PeerId> expected, Clock::duration timeout,
                                    const char** stage_out) {
  const char* stage_local = nullptr;
  const char*& stage = stage_out ? *stage_out : stage_local;
  SecureChannel ch(std::move(stream));
  error_code ec;
  const auto remote_endpoint = ch.socket().remote_endpoint(ec);
  const auto local_endpoint = ch.socket().local_endpoint(ec);
  Watchdog wd(ch.socket().get_executor(), timeout, [&ch] { ch.close(); });
  auto timed = [&wd](error_code e) { return wd.fired() ? make_error_code(CoreError::timeout) : e; };

  // 1. Security protocol.
  stage = "security negotiation";
  {
    RawIo io(ch);
    const std::vector<std::string> security{std::string(kNoiseProtocolId)};
    // (no co_await inside ?: — GCC 12 miscompiles it)
    Result<std::string> r = make_error_code(CoreError::invalid_argument);
    if (inbound) {
      r = co_await negotiate_inbound(io, security);
    } else {
      r = co_await negotiate_outbound(io, security);
    }
    if (!r) co_return timed(r.error());
  }

  // 2. Noise XX with the libp2p payload; we offer yamux inline.
  stage = "noise";
  noise::Libp2pHandshake::RemoteCheck check;
  if (expected) {
    check = [&expected](const crypto::PublicKey& k) { return expected->matches(k); };
  }
  noise::Libp2pHandshake hs(inbound ? noise::Role::responder : noise::Role::initiator, key,
                            {std::string(kYamuxProtocolId)}, check);
  auto step = hs.on_start();
  if (!step) co_return step.error();
  if (!step->send.empty()) {
    if (auto e = co_await ch.write_all(step->send)) co_return timed(e);
  }
  while (!hs.done()) {
    auto msg = co_await ch.read_handshake_message();
    if (!msg) co_return timed(msg.error());
    step = hs.on_message(*msg);
    if (!step) co_return step.error();
    if (!step->send.empty()) {
      if (auto e = co_await ch.write_all(step->send)) co_return timed(e);
    }
  }
  auto session = hs.finish();
  if (!session) co_return session.error();
  ch.set_ciphers(std::move(session->send), std::move(session->recv));

  // 3. Muxer: inline result, else a multistream round inside the secure channel.
  stage = "muxer negotiation";
  std::string muxer = session->muxer;
  Bytes early_plaintext;
  if (muxer.empty()) {
    SecurePlainIo io(ch);
    const std::vector<std::string> muxers{std::string(kYamuxProtocolId)};
    Result<std::string> r = make_error_code(CoreError::invalid_argument);
    if (inbound) {
      r = co_await negotiate_inbound(io, muxers);
    } else {
      r = co_await negotiate_outbound(io, muxers);
    }
    if (!r) co_return timed(r.error());
    muxer = *r;
    early_plaintext = io.take_pending();
  }
  stage = nullptr;
  if (wd.fired()) co_return make_error_code(CoreError::timeout);
  co_return Upgraded{std::move(ch),
                     ConnectionInfo{0, multiformats::PeerId::from_public_key(session->remote_key),
                                    session->remote_key, remote_endpoint, local_endpoint, inbound, std::move(muxer),
                                    multiformats::Multiaddr()},
                     std::move(early_plaintext)};
}

}  // namespace

awaitable<Result<Upgraded>> upgrade_inbound(ByteStream stream, const crypto::Ed25519PrivateKey& key,
                                            Clock::duration timeout, const char** stage) {
  return upgrade(std::move(stream), key, true, std::nullopt, timeout, stage);
}

awaitable<Result<Upgraded>> upgrade_outbound(ByteStream stream, const crypto::Ed25519PrivateKey& key,
                                             std::optional<multiformats::PeerId> expected,
                                             Clock::duration timeout, const char** stage) {
  return upgrade(std::move(stream), key, false, std::move(expected), timeout, stage);
}

}  // namespace chiral::net
