#include "services/relay_service.hpp"

#include <spdlog/spdlog.h>

#include "net/address_class.hpp"

namespace chiral::services {

using namespace chiral::net;
using relay_proto::HopMessage;
using relay_proto::HopType;
using relay_proto::Status;
using relay_proto::StopMessage;
using relay_proto::StopType;

namespace {

relay::IpAddr ip_of(const Connection& c) {
  const auto addr = c.info().remote_endpoint.address();
  std::optional<relay::IpAddr> ip;
  if (addr.is_v4()) {
    const auto b = addr.to_v4().to_bytes();
    ip = relay::IpAddr::from_bytes(b);
  } else {
    const auto b = addr.to_v6().to_bytes();
    ip = relay::IpAddr::from_bytes(b);
  }
  return ip ? *ip : relay::IpAddr{};
}

std::uint64_t unix_now() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

Status wire_status(relay::Refusal r, relay::RequestKind kind) {
  return static_cast<Status>(relay::hop_status(r, kind));
}

}  // namespace

RelayService::RelayService(Host& host, RelayConfig cfg, std::optional<relay::Acl> acl)
    : host_(host), cfg_(std::move(cfg)), policy_(cfg_.limits), alive_(std::make_shared<bool>(true)) {
  if (acl) policy_.reload(cfg_.limits, std::move(acl));
  policy_.set_local_peer(host_.peer_id());
  host_.set_handler(std::string(relay_proto::kHopProtocolId), [this](StreamPtr s) { return serve_hop(std::move(s)); });
  host_.add_observer([this, alive = alive_](const ConnectionPtr& c, bool opened) {
    if (!*alive || opened) return;
    // A reservation lives only while its peer stays connected (circuit-v2.md "Reservation").
    if (host_.connections_to(c->remote_peer()).empty() && policy_.reservations().has(c->remote_peer(), relay::Clock::now())) {
      policy_.peer_disconnected(c->remote_peer());
      changed();
      spdlog::info("peer {}: reservation dropped: last connection closed", c->remote_peer().to_base58());
    }
  });
  asio::co_spawn(host_.io(), sweep_loop(alive_), asio::detached);
}

RelayService::~RelayService() { *alive_ = false; }

void RelayService::stop() { *alive_ = false; }

bool RelayService::carries_circuit(const net::Connection& conn) const {
  for (const auto& [id, ends] : open_circuits_) {
    for (const auto& end : {ends.first, ends.second}) {
      if (auto c = end->connection(); c && c.get() == &conn) return true;
    }
  }
  return false;
}

void RelayService::finish_circuits() {
  for (auto& [id, ends] : open_circuits_) {
    spdlog::info("circuit {}: closing both ends (relay shutting down)", id);
    ends.first->close_write();
    ends.second->close_write();
  }
}

void RelayService::reload(relay::Limits limits, std::optional<relay::Acl> acl) {
  cfg_.limits = limits;
  policy_.reload(limits, std::move(acl));
}

awaitable<void> RelayService::sweep_loop(std::shared_ptr<bool> alive) {
  asio::steady_timer timer(host_.io());
  while (*alive) {
    timer.expires_after(cfg_.expiry_sweep);
    co_await timer.async_wait(use_nothrow);
    if (!*alive) break;
    if (const auto n = policy_.expire(relay::Clock::now())) {
      spdlog::info("{} reservation(s) expired", n);
      changed();
    }
  }
}

std::vector<multiformats::Multiaddr> RelayService::reservation_addrs() const {
  std::vector<multiformats::Multiaddr> out;
  const auto& external = host_.config().external_addrs;
  if (!external.empty()) {
    for (const auto& a : external) out.push_back(a.with_p2p(host_.peer_id()));
    return out;
  }
  std::vector<multiformats::Multiaddr> all;
  for (const auto& a : host_.listen_addrs()) {
    auto it = a.ip_tcp();
    if (!it) continue;
    error_code ec;
    auto ip = asio::ip::make_address(it->host_text(), ec);
    if (ec) continue;
    auto with_id = a.with_p2p(host_.peer_id());
    if (is_public_ip(ip)) out.push_back(with_id);
    all.push_back(std::move(with_id));
  }
  if (out.empty()) {
    if (!warned_private_addrs_) {
      warned_private_addrs_ = true;
      spdlog::warn("no public address known: reservations advertise private/loopback addresses; "
                   "set --external-address /ip4/<public-ip>/tcp/<port> so NATed peers can be reached");
    }
    out = std::move(all);
  }
  return out;
}

std::optional<relay_proto::Limit> RelayService::wire_limit() const {
  const auto& l = policy_.limits();
  if (l.circuit_duration.count() == 0 && l.circuit_data_bytes == 0) return std::nullopt;  // absent = unlimited
  return relay_proto::Limit{static_cast<std::uint32_t>(l.circuit_duration.count()), l.circuit_data_bytes};
}

awaitable<void> RelayService::reply(StreamPtr s, Status status, std::string_view why, const Connection& conn) {
  HopMessage msg;
  msg.type = HopType::STATUS;
  msg.status = status;
  if (status != Status::OK) {
    spdlog::info("peer {}: hop request refused: {} ({})", conn.remote_peer().to_base58(),
                 relay_proto::status_name(status), why);
  }
  changed();
  if (!co_await s->write_frame(relay_proto::encode_hop(msg))) s->close_write();
}

awaitable<void> RelayService::serve_hop(StreamPtr s) {
  auto conn = s->connection();
  if (!conn) co_return;
  Result<Bytes> frame = make_error_code(CoreError::invalid_argument);
  {
    Watchdog wd(conn->executor(), cfg_.message_timeout, [s] { s->reset(); });
    frame = co_await s->read_frame(relay_proto::kMaxMessageSize);
  }
  if (!frame) {
    // Oversized, truncated or too slow: nothing sensible to answer.
    spdlog::info("peer {}: hop stream reset: {}", conn->remote_peer().to_base58(), frame.error().message());
    s->reset();
    co_return;
  }
  auto msg = relay_proto::decode_hop(*frame);
  if (!msg) {
    const std::string why = msg.error().message();
    co_await reply(s, Status::MALFORMED_MESSAGE, why, *conn);
    co_return;
  }
  switch (msg->type) {
    case HopType::RESERVE:
      co_await handle_reserve(s, conn);
      break;
    case HopType::CONNECT:
      co_await handle_connect(s, conn, *msg);
      break;
    default:
      co_await reply(s, Status::UNEXPECTED_MESSAGE, "STATUS sent to a relay", *conn);
  }
}

awaitable<void> RelayService::handle_reserve(StreamPtr s, ConnectionPtr conn) {
  const auto& peer = conn->remote_peer();
  if (draining_) {
    policy_.count_reservation_refused(relay::Refusal::shutting_down);
    co_await reply(s, wire_status(relay::Refusal::shutting_down, relay::RequestKind::reserve), "relay shutting down",
                   *conn);
    co_return;
  }
  if (auth_ && !auth_->authenticated(*conn)) {
    policy_.count_reservation_refused(relay::Refusal::auth);
    co_await reply(s, Status::PERMISSION_DENIED, "not authenticated (/chiral/relay-auth/1.0.0)", *conn);
    co_return;
  }
  auto decision = policy_.reserve(peer, ip_of(*conn), relay::Clock::now());
  if (auto* refusal = std::get_if<relay::Refusal>(&decision)) {
    co_await reply(s, wire_status(*refusal, relay::RequestKind::reserve), relay::refusal_label(*refusal), *conn);
    co_return;
  }
  const auto& grant = std::get<relay::ReservationGrant>(decision);
  const auto ttl = std::chrono::duration_cast<std::chrono::seconds>(grant.expires - relay::Clock::now());
  const std::uint64_t expire = unix_now() + static_cast<std::uint64_t>(std::max<std::int64_t>(ttl.count(), 0));
  HopMessage msg;
  msg.type = HopType::STATUS;
  msg.status = Status::OK;
  relay_proto::Reservation r;
  r.expire = expire;
  for (const auto& a : reservation_addrs()) r.addrs.push_back(a.bytes());
  r.voucher = relay_proto::make_voucher(host_.key(), host_.peer_id(), peer, expire);
  msg.reservation = std::move(r);
  msg.limit = wire_limit();
  changed();
  if (co_await s->write_frame(relay_proto::encode_hop(msg))) co_return;
  s->close_write();
  spdlog::info("peer {}: reservation {} from {}, expires in {} s", peer.to_base58(),
               grant.refreshed ? "refreshed" : "accepted", conn->info().remote_addr().to_string(), ttl.count());
}

awaitable<void> RelayService::handle_connect(StreamPtr s, ConnectionPtr conn, const HopMessage& msg) {
  const auto& src = conn->remote_peer();
  if (!msg.peer) {
    co_await reply(s, Status::MALFORMED_MESSAGE, "CONNECT without peer", *conn);
    co_return;
  }
  auto dst = multiformats::PeerId::from_bytes(msg.peer->id);
  if (!dst) {
    co_await reply(s, Status::MALFORMED_MESSAGE, "CONNECT with an invalid peer id", *conn);
    co_return;
  }
  if (draining_) {
    policy_.count_circuit_refused(relay::Refusal::shutting_down);
    co_await reply(s, wire_status(relay::Refusal::shutting_down, relay::RequestKind::connect), "relay shutting down",
                   *conn);
    co_return;
  }
  auto decision = policy_.connect(src, ip_of(*conn), *dst, relay::Clock::now());
  if (auto* refusal = std::get_if<relay::Refusal>(&decision)) {
    co_await reply(s, wire_status(*refusal, relay::RequestKind::connect), relay::refusal_label(*refusal), *conn);
    co_return;
  }
  const relay::CircuitId circuit = std::get<relay::CircuitId>(decision);
  // From here on every exit closes the circuit slot.
  // (A class with a constructor, not an aggregate: GCC 12 destroys aggregate-initialised members of
  // coroutine locals twice.)
  class SlotGuard {
   public:
    SlotGuard(relay::Policy& p, relay::CircuitId id, std::shared_ptr<bool> alive)
        : p_(p), id_(id), alive_(std::move(alive)) { }
    ~SlotGuard() {
      if (!*alive_) return;
      if (failed) {
        p_.fail_circuit(id_, relay::Refusal::connection_failed);
      } else {
        p_.close_circuit(id_, end);
      }
    }
    bool failed = false;
    relay::CircuitEnd end = relay::CircuitEnd::closed;

   private:
    relay::Policy& p_;
    relay::CircuitId id_;
    std::shared_ptr<bool> alive_;
  };
  SlotGuard guard(policy_, circuit, alive_);
  guard.failed = true;  // until the circuit is spliced

  ConnectionPtr target;
  for (auto& c : host_.connections_to(*dst)) {
    if (!c->closed()) target = c;
  }
  if (!target) {
    co_await reply(s, Status::NO_RESERVATION, "reserved peer has no open connection", *conn);
    co_return;
  }
  StreamPtr stop;
  {
    auto pending_stop = std::make_shared<StreamPtr>();
    Watchdog wd(conn->executor(), cfg_.stop_timeout, [s, pending_stop] {
      // The target did not answer in time: abort both sides of the half-built circuit.
      s->reset();
      if (*pending_stop) (*pending_stop)->reset();
    });
    auto opened = co_await target->open_stream(relay_proto::kStopProtocolId);
    if (!opened || wd.fired()) {
      if (opened) (*opened)->reset();
      const std::string why = opened ? "target did not answer STOP in time" : "cannot open STOP stream: " + opened.error().message();
      if (!wd.fired()) co_await reply(s, Status::CONNECTION_FAILED, why, *conn);
      co_return;
    }
    stop = *opened;
    *pending_stop = stop;
    StopMessage req;
    req.type = StopType::CONNECT;
    req.peer = relay_proto::PeerInfo{src.bytes(), {}};
    req.limit = wire_limit();
    Result<Bytes> answer = make_error_code(CoreError::invalid_argument);
    if (auto ec = co_await stop->write_frame(relay_proto::encode_stop(req))) {
      answer = ec;
    } else {
      answer = co_await stop->read_frame(relay_proto::kMaxMessageSize);
    }
    std::optional<StopMessage> resp;
    if (answer) {
      auto decoded = relay_proto::decode_stop(*answer);
      if (decoded) resp = std::move(*decoded);
    }
    if (wd.fired() || !resp || resp->type != StopType::STATUS || resp->status != Status::OK) {
      stop->reset();
      const std::string why = wd.fired() ? "target did not answer STOP in time"
                              : !resp    ? "target sent no valid STOP answer"
                                         : "target refused the circuit";
      if (!wd.fired()) co_await reply(s, Status::CONNECTION_FAILED, why, *conn);
      else spdlog::info("peer {}: circuit to {} failed: {}", src.to_base58(), dst->to_base58(), why);
      co_return;
    }
  }
  HopMessage ok;
  ok.type = HopType::STATUS;
  ok.status = Status::OK;
  ok.limit = wire_limit();
  if (co_await s->write_frame(relay_proto::encode_hop(ok))) {
    stop->reset();
    co_return;
  }
  spdlog::info("circuit {}: {} -> {} open", circuit, src.to_base58(), dst->to_base58());
  changed();
  const auto& limits = policy_.limits();
  SpliceLimits sl{limits.circuit_data_bytes, std::chrono::seconds(limits.circuit_duration)};
  auto alive = alive_;
  guard.failed = false;
  // Named, not a temporary in the co_await expression: GCC 12 destroys such converted temporaries twice.
  std::function<void(bool, std::size_t)> count_bytes = [this, alive](bool src_to_dst, std::size_t n) {
    if (!*alive) return;
    auto& c = policy_.counters();
    (src_to_dst ? c.circuit_bytes_src_to_dst : c.circuit_bytes_dst_to_src) += n;
  };
  open_circuits_.emplace(circuit, std::make_pair(s, stop));
  const auto opened_at = Clock::now();
  auto result = co_await splice(s, stop, sl, std::move(count_bytes));
  if (*alive) {
    open_circuits_.erase(circuit);
    if (on_circuit_end_) on_circuit_end_(Clock::now() - opened_at, result.a_to_b + result.b_to_a);
  }
  if (result.end == SpliceEnd::data_limit) guard.end = relay::CircuitEnd::data_limit;
  if (result.end == SpliceEnd::duration_limit) guard.end = relay::CircuitEnd::duration;
  changed();  // (the slot is released by the guard right after; the coalesced write sees it)
  spdlog::info("circuit {}: {} -> {} ended ({}): {} bytes out, {} bytes back", circuit, src.to_base58(),
               dst->to_base58(), splice_end_label(result.end), result.a_to_b, result.b_to_a);
}

}  // namespace chiral::services
