#include "services/identify_service.hpp"

#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "crypto/envelope.hpp"

namespace chiral::services {

using namespace chiral::net;

IdentifyService::IdentifyService(Host& host, PeerStore& peers, IdentifyConfig cfg)
    : host_(host), peers_(peers), cfg_(std::move(cfg)) {
  host_.set_handler(std::string(identify::kProtocolId), [this](StreamPtr s) { return serve(std::move(s)); });
  host_.set_handler(std::string(identify::kPushProtocolId), [this](StreamPtr s) { return serve_push(std::move(s)); });
  host_.add_observer([this](const ConnectionPtr& c, bool opened) {
    if (!opened) {
      if (host_.connections_to(c->remote_peer()).empty()) peers_.erase(c->remote_peer());
      return;
    }
    if (!cfg_.identify_new_connections) return;
    asio::co_spawn(c->executor(), [this, c]() -> awaitable<void> {
      auto r = co_await identify(c);
      if (!r) {
        spdlog::debug("peer {} conn {}: identify failed: {}", c->remote_peer().to_base58(), c->info().id,
                      r.error().message());
      }
    }, asio::detached);
  });
}

identify::Info IdentifyService::local_info(const Connection& conn) const {
  identify::Info info;
  info.protocol_version = cfg_.protocol_version;
  info.agent_version = cfg_.agent_version;
  info.public_key = host_.key().public_key().to_protobuf();
  for (const auto& a : host_.listen_addrs()) info.listen_addrs.push_back(a.bytes());
  info.protocols = host_.protocols();
  info.observed_addr = conn.info().remote_addr().bytes();
  info.signed_peer_record = signed_peer_record(info.listen_addrs);
  return info;
}

const Bytes& IdentifyService::signed_peer_record(const std::vector<Bytes>& addrs) const {
  if (record_.empty() || addrs != record_addrs_) {
    // seq must grow across restarts too: start from the wall clock (go and js do the same).
    const auto now = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                    std::chrono::system_clock::now().time_since_epoch())
                                                    .count());
    record_seq_ = std::max(record_seq_ + 1, now);
    record_addrs_ = addrs;
    record_ = crypto::make_peer_record(host_.key(), host_.peer_id().bytes(), record_seq_, addrs);
  }
  return record_;
}

awaitable<void> IdentifyService::serve(StreamPtr s) {
  auto conn = s->connection();
  if (!conn) co_return;
  const Bytes msg = identify::encode(local_info(*conn));
  Watchdog wd(conn->executor(), cfg_.timeout, [s] { s->reset(); });
  if (auto ec = co_await s->write_frame(msg)) co_return;
  s->close_write();
  // Wait for the requester to finish reading and close its side, so our FIN is not followed by a RST.
  co_await s->read_to_end(64);
}

awaitable<void> IdentifyService::serve_push(StreamPtr s) {
  auto conn = s->connection();
  if (!conn) co_return;
  Watchdog wd(conn->executor(), cfg_.timeout, [s] { s->reset(); });
  auto data = co_await s->read_to_end(identify::kMaxRecvMessages * (identify::kMaxRecvMessageSize + 2));
  if (!data) co_return;
  identify::Reader reader;
  auto used = reader.feed(*data);
  if (!used || *used != data->size()) {
    spdlog::debug("peer {}: bad identify push", conn->remote_peer().to_base58());
    s->reset();
    co_return;
  }
  s->close_write();
  identify::Info merged;
  if (const auto* known = peers_.find(conn->remote_peer())) merged = *known;
  // A push carries only what changed: fields it has replace ours (lists replaced wholesale).
  const auto& got = reader.info();
  if (!got.listen_addrs.empty()) merged.listen_addrs = got.listen_addrs;
  if (!got.protocols.empty()) merged.protocols = got.protocols;
  if (!got.agent_version.empty()) merged.agent_version = got.agent_version;
  if (!got.protocol_version.empty()) merged.protocol_version = got.protocol_version;
  if (!got.signed_peer_record.empty()) merged.signed_peer_record = got.signed_peer_record;
  if (!got.public_key.empty()) merged.public_key = got.public_key;
  if (!accept_info(*conn, merged)) co_return;
  spdlog::debug("peer {}: identify push: {} addrs, {} protocols", conn->remote_peer().to_base58(),
                merged.listen_addrs.size(), merged.protocols.size());
  peers_.update(conn->remote_peer(), std::move(merged));
}

bool IdentifyService::accept_info(const Connection& conn, const identify::Info& info) const {
  if (info.public_key.empty()) return true;  // optional for push
  auto key = crypto::PublicKey::from_protobuf(info.public_key);
  if (!key || !conn.remote_peer().matches(*key)) {
    spdlog::info("peer {} conn {}: identify carries a public key that is not the peer's; ignored",
                 conn.remote_peer().to_base58(), conn.info().id);
    return false;
  }
  return true;
}

awaitable<Result<identify::Info>> IdentifyService::identify(ConnectionPtr conn) {
  auto s = co_await conn->open_stream(identify::kProtocolId);
  if (!s) co_return s.error();
  auto stream = *s;
  Watchdog wd(conn->executor(), cfg_.timeout, [stream] { stream->reset(); });
  auto data = co_await stream->read_to_end(identify::kMaxRecvMessages * (identify::kMaxRecvMessageSize + 2));
  if (!data) co_return data.error();
  stream->close_write();
  identify::Reader reader;
  auto used = reader.feed(*data);
  if (!used) co_return used.error();
  if (*used != data->size() || reader.messages() == 0) co_return make_error_code(identify::IdentifyError::malformed);
  if (reader.info().public_key.empty() || !accept_info(*conn, reader.info())) {
    co_return make_error_code(identify::IdentifyError::malformed);
  }
  spdlog::info("peer {} conn {}: identified: agent \"{}\", {} protocols, {} listen addrs",
               conn->remote_peer().to_base58(), conn->info().id, reader.info().agent_version,
               reader.info().protocols.size(), reader.info().listen_addrs.size());
  peers_.update(conn->remote_peer(), reader.info());
  co_return reader.info();
}

void IdentifyService::push_to_all() {
  for (auto& c : host_.connections()) {
    asio::co_spawn(c->executor(), push(c), asio::detached);
  }
}

awaitable<void> IdentifyService::push(ConnectionPtr conn) {
  const auto* known = peers_.find(conn->remote_peer());
  if (known && std::find(known->protocols.begin(), known->protocols.end(), identify::kPushProtocolId) ==
                   known->protocols.end()) {
    co_return;  // the peer told us it does not take pushes
  }
  auto s = co_await conn->open_stream(identify::kPushProtocolId);
  if (!s) co_return;
  auto stream = *s;
  Watchdog wd(conn->executor(), cfg_.timeout, [stream] { stream->reset(); });
  if (co_await stream->write_frame(identify::encode(local_info(*conn)))) co_return;
  stream->close_write();
  co_await stream->read_to_end(64);
}

}  // namespace chiral::services
