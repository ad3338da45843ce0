// AutoNAT v2 + v1 server (libp2p/specs autonat/autonat-v2.md, autonat-v1.md). Flow of a v2 request:
// limiter -> read DialRequest -> pick the first dialable address -> (other IP: DialDataRequest, read the
// data under a deadline, short random wait) -> dial back from the ephemeral host, DialBack{nonce},
// half-close, wait for DialBackResponse -> DialResponse -> half-close, wait for the client's close.
#include "services/autonat_service.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>

#include <cstring>

#include "core/error.hpp"

namespace chiral::services {

using namespace chiral::net;
namespace v1 = autonat::v1;
namespace v2 = autonat::v2;

namespace {

constexpr std::size_t kLingerDiscardLimit = 64 * 1024;
constexpr auto kFamiliesRefresh = std::chrono::seconds(60);

autonat::IpAddress ip_of(const asio::ip::address& addr) {
  std::optional<autonat::IpAddress> ip;
  if (addr.is_v4()) {
    const auto b = addr.to_v4().to_bytes();
    ip = autonat::IpAddress::from_bytes(b);
  } else {
    const auto b = addr.to_v6().to_bytes();
    ip = autonat::IpAddress::from_bytes(b);
  }
  return ip ? *ip : autonat::IpAddress{};
}

// The IP families this machine has a usable address of: any non-loopback IPv4 address (a NATed private
// one still reaches public IPv4), a global IPv6 address; loopback and unique-local too when private
// targets are allowed. Unknown (getifaddrs failed): IPv4 only.
std::pair<bool, bool> local_families(bool allow_private) {
  bool v4 = false, v6 = false;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {true, false};
  for (auto* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || !(i->ifa_flags & IFF_UP)) continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      std::uint8_t b[4];
      std::memcpy(b, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
      const auto cls = autonat::classify_ip(*autonat::IpAddress::from_bytes(b));
      if (cls != autonat::IpClass::loopback || allow_private) v4 = true;
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      std::uint8_t b[16];
      std::memcpy(b, &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
      const auto cls = autonat::classify_ip(*autonat::IpAddress::from_bytes(b));
      if (cls == autonat::IpClass::public_unicast ||
          (allow_private && cls != autonat::IpClass::link_local && cls != autonat::IpClass::unspecified)) {
        v6 = true;
      }
    }
  }
  ::freeifaddrs(list);
  return {v4, v6};
}

HostConfig dialer_config(const AutonatConfig& cfg) {
  HostConfig hc;
  hc.dial_timeout = cfg.dial_timeout;
  hc.handshake_timeout = cfg.dial_timeout;
  hc.connection.keepalive_interval = Clock::duration::zero();
  hc.connection.negotiation_timeout = cfg.dial_back_timeout;
  return hc;
}

autonat::LimiterConfig limiter_config(const AutonatConfig& cfg) {
  autonat::LimiterConfig lc;
  lc.max_concurrent = cfg.max_concurrent;
  lc.max_concurrent_per_peer = cfg.max_concurrent_per_peer;
  lc.requests_per_minute = cfg.requests_per_minute;
  lc.requests_per_minute_per_peer = cfg.requests_per_minute_per_peer;
  lc.dial_data_requests_per_minute = cfg.dial_data_requests_per_minute;
  return lc;
}

std::string_view dial_status_label(v2::DialStatus s) {
  switch (s) {
    case v2::DialStatus::OK: return "ok";
    case v2::DialStatus::E_DIAL_ERROR: return "dial_error";
    case v2::DialStatus::E_DIAL_BACK_ERROR: return "dial_back_error";
    case v2::DialStatus::UNUSED: break;
  }
  return "unused";
}

v2::DialResponse v2_response(v2::ResponseStatus status) {
  v2::DialResponse r;
  r.status = status;
  return r;
}

// No status: the stream was reset, nothing is sent.
v1::DialResponse v1_no_response() { return v1::DialResponse(); }

v1::DialResponse v1_response(v1::ResponseStatus status, std::string text) {
  v1::DialResponse r;
  r.status = status;
  r.status_text = std::move(text);
  return r;
}

// Ends a request admitted by the limiter on every exit. A class with a constructor, not an aggregate:
// GCC 12 destroys aggregate-initialised coroutine locals twice.
class RequestSlot {
 public:
  RequestSlot(autonat::Limiter& limiter, multiformats::PeerId peer, std::shared_ptr<bool> alive)
      : limiter_(limiter), peer_(std::move(peer)), alive_(std::move(alive)) {}
  ~RequestSlot() {
    if (*alive_) limiter_.end(peer_);
  }
  RequestSlot(const RequestSlot&) = delete;
  RequestSlot& operator=(const RequestSlot&) = delete;

 private:
  autonat::Limiter& limiter_;
  multiformats::PeerId peer_;
  std::shared_ptr<bool> alive_;
};

}  // namespace

AutonatService::AutonatService(Host& host, AutonatConfig cfg)
    : host_(host),
      cfg_(std::move(cfg)),
      dialer_(std::make_shared<Dialer>(host.io(), cfg_)),
      limiter_(limiter_config(cfg_)),
      rng_(std::random_device{}()),
      alive_(std::make_shared<bool>(true)) {
  host_.set_handler(std::string(autonat::kDialRequestProtocolId),
                    [this](StreamPtr s) { return serve_v2(std::move(s), alive_, dialer_); });
  if (cfg_.serve_v1) {
    host_.set_handler(std::string(autonat::kV1ProtocolId), [this](StreamPtr s) { return serve_v1(std::move(s), alive_, dialer_); });
  }
  const auto [v4, v6] = local_families(cfg_.allow_private);
  families_.ip4 = v4;
  families_.ip6 = v6;
  spdlog::info("autonat: serving v2{} with dial-backs from {} (IPv4 {}, IPv6 {}{})", cfg_.serve_v1 ? " and v1" : "",
               dialer_->host.peer_id().to_base58(), cfg_.dial_ip4 && v4 ? "yes" : "no", cfg_.dial_ip6 && v6 ? "yes" : "no",
               cfg_.allow_private ? ", private addresses allowed" : "");
}

AutonatService::Dialer::Dialer(asio::io_context& io, const AutonatConfig& cfg)
    : host(io, crypto::Ed25519PrivateKey::generate(), dialer_config(cfg)) {}

AutonatService::~AutonatService() {
  *alive_ = false;
  dialer_->host.stop();
  if (dialer_->in_flight > 0 || dialer_->host.connection_count() > 0) {
    const auto max_wait = 2 * cfg_.dial_timeout + cfg_.dial_back_timeout + std::chrono::seconds(5);
    asio::co_spawn(host_.io(), retire(std::move(dialer_), max_wait), asio::detached);
  }
}

void AutonatService::stop() {
  stopped_ = true;
  dialer_->host.stop();
}

awaitable<void> AutonatService::retire(DialerPtr dialer, Clock::duration max_wait) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  const auto deadline = Clock::now() + max_wait;
  while ((dialer->in_flight > 0 || dialer->host.connection_count() > 0) && Clock::now() < deadline) {
    dialer->host.stop();  // also closes connections a dial in flight registered since
    t.expires_after(std::chrono::milliseconds(50));
    co_await t.async_wait(use_nothrow);
  }
}

autonat::DialPolicy AutonatService::policy(bool same_ip_only) {
  // Interface families and our own addresses change rarely: looked up at most once a minute (the first
  // request after start-up sees the listeners bound by then).
  const auto now = Clock::now();
  if (!families_checked_ || now - *families_checked_ >= kFamiliesRefresh) {
    const auto [v4, v6] = local_families(cfg_.allow_private);
    families_.ip4 = v4;
    families_.ip6 = v6;
    own_addrs_ = host_.listen_addrs();
    families_checked_ = now;
  }
  autonat::DialPolicy p;
  p.own_addrs = own_addrs_;
  p.allow_private = cfg_.allow_private;
  p.dial_ip4 = cfg_.dial_ip4 && families_.ip4;
  p.dial_ip6 = cfg_.dial_ip6 && families_.ip6;
  p.same_ip_only = same_ip_only;
  return p;
}

awaitable<void> AutonatService::reply(StreamPtr s, Bytes message) {
  // Write, half-close, then wait (bounded) for the client's close so the stream ends cleanly instead of
  // with a reset that could overtake our answer in some yamux implementations. One deadline for all.
  Watchdog wd(host_.io().get_executor(), cfg_.linger_timeout, [s] { s->reset(); });
  if (co_await s->write_frame(message)) co_return;
  s->close_write();
  std::array<std::uint8_t, 512> buf;
  std::size_t discarded = 0;
  for (;;) {
    auto n = co_await s->read_some(buf);
    if (!n) break;
    discarded += *n;
    if (discarded > kLingerDiscardLimit) {
      s->reset();
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// v2

awaitable<void> AutonatService::serve_v2(StreamPtr s, std::shared_ptr<bool> alive, DialerPtr dialer) {
  auto conn = s->connection();
  if (!conn) co_return;
  auto resp = co_await handle_v2(s, conn, alive, dialer);
  if (!*alive || !resp) co_return;
  v2::Message msg = *resp;
  Bytes out = v2::encode_message(msg);
  co_await reply(s, std::move(out));
}

awaitable<std::optional<v2::DialResponse>> AutonatService::handle_v2(StreamPtr s, ConnectionPtr conn,
                                                                     std::shared_ptr<bool> alive, DialerPtr dialer) {
  const auto peer = conn->remote_peer();
  const std::string who = peer.to_base58();
  auto& counters = counters_.v2;
  ++counters.requests;
  if (stopped_) {
    refuse(counters, "shutting_down");
    co_return v2_response(v2::ResponseStatus::E_REQUEST_REJECTED);
  }
  // Limits first, before parsing anything (as go does): a refused request costs one small write.
  if (auto rejection = limiter_.try_begin(peer, Clock::now())) {
    refuse(counters, autonat::rejection_name(*rejection));
    spdlog::info("peer {}: autonat v2 request rejected: {}", who, autonat::rejection_name(*rejection));
    co_return v2_response(v2::ResponseStatus::E_REQUEST_REJECTED);
  }
  RequestSlot slot(limiter_, peer, alive);

  Result<Bytes> frame = make_error_code(CoreError::timeout);
  bool timed_out = false;
  {
    Watchdog wd(conn->executor(), cfg_.request_timeout, [s] { s->reset(); });
    frame = co_await s->read_frame(autonat::kMaxMessageSize);
    timed_out = wd.fired();
  }
  if (!*alive) co_return std::nullopt;
  if (!frame) {
    refuse(counters, timed_out ? "request_timeout" : "bad_request");
    spdlog::info("peer {}: autonat v2 stream reset: {}", who, timed_out ? "no request in time" : frame.error().message());
    s->reset();
    co_return std::nullopt;
  }
  auto decoded = v2::decode_message(*frame);
  if (!decoded || !std::holds_alternative<v2::DialRequest>(*decoded)) {
    refuse(counters, "bad_request");
    spdlog::info("peer {}: autonat v2 stream reset: {}", who,
                 decoded ? "first message is not a DialRequest" : decoded.error().message());
    s->reset();
    co_return std::nullopt;
  }
  const auto& req = std::get<v2::DialRequest>(*decoded);
  const auto observed = ip_of(conn->info().remote_endpoint.address());
  auto choice = autonat::first_dialable(req.addrs, observed, policy(false), &peer);
  if (auto* none = std::get_if<autonat::NoDialable>(&choice)) {
    refuse(counters, "no_dialable_address");
    spdlog::info("peer {}: autonat v2 dial refused: none of {} address(es) dialable (last: {})", who, none->considered,
                 none->last_reason ? autonat::addr_skip_name(*none->last_reason) : "no addresses");
    co_return v2_response(v2::ResponseStatus::E_DIAL_REFUSED);
  }
  const auto& target = std::get<autonat::DialCandidate>(choice);

  std::uint64_t dial_data_asked = 0;
  if (!target.same_ip) {
    // Amplification attack prevention: the client pays in bytes for a dial to another IP.
    if (auto rejection = limiter_.try_dial_data(Clock::now())) {
      refuse(counters, autonat::rejection_name(*rejection));
      spdlog::info("peer {}: autonat v2 request rejected: {}", who, autonat::rejection_name(*rejection));
      co_return v2_response(v2::ResponseStatus::E_REQUEST_REJECTED);
    }
    const std::uint64_t amount = autonat::dial_data_amount(rng_());
    dial_data_asked = amount;
    ++counters_.dial_data_requests;
    auto ec = co_await receive_dial_data(s, static_cast<std::uint32_t>(target.index), amount, alive);
    if (!*alive) co_return std::nullopt;
    if (ec) {
      const bool slow = ec == CoreError::timeout;
      refuse(counters, slow ? "dial_data_timeout" : "dial_data_refused");
      spdlog::info("peer {}: autonat v2 stream reset: dial data for {} ({} bytes asked): {}", who,
                   target.addr.to_string(), amount, slow ? "not sent in time" : ec.message());
      s->reset();
      co_return std::nullopt;
    }
    // A short random wait so that many requests aimed at one victim do not arrive together (as go does).
    const auto max_ms = std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.max_dial_delay).count();
    if (max_ms > 0) {
      asio::steady_timer wait(conn->executor());
      wait.expires_after(std::chrono::milliseconds(static_cast<std::int64_t>(rng_() % (max_ms + 1))));
      co_await wait.async_wait(use_nothrow);
      if (!*alive) co_return std::nullopt;
    }
  }

  const auto dial_target = target.addr.with_p2p(peer);
  const auto status = co_await dial_back(dialer, dial_target, req.nonce, cfg_.dial_back_timeout);
  if (!*alive) co_return std::nullopt;
  ++counters.dial_backs[std::string(dial_status_label(status))];
  const std::string paid = dial_data_asked ? fmt::format(" (after {} bytes of dial data)", dial_data_asked) : "";
  spdlog::info("peer {}: autonat v2 dial-back to {}{}: {}", who, target.addr.to_string(), paid,
               v2::dial_status_name(status));
  v2::DialResponse resp;
  resp.status = v2::ResponseStatus::OK;
  resp.addr_idx = static_cast<std::uint32_t>(target.index);
  resp.dial_status = status;
  co_return resp;
}

awaitable<error_code> AutonatService::receive_dial_data(StreamPtr s, std::uint32_t addr_idx, std::uint64_t amount,
                                                        std::shared_ptr<bool> alive) {
  autonat::DialDataReceiver receiver(amount);
  // One deadline for the request and the whole transfer: a client trickling bytes cannot hold the slot
  // (libp2p/specs#640).
  Watchdog wd(host_.io().get_executor(), cfg_.dial_data_timeout, [s] { s->reset(); });
  v2::DialDataRequest ddr;
  ddr.addr_idx = addr_idx;
  ddr.num_bytes = receiver.required();
  v2::Message ddr_msg = ddr;
  const Bytes out = v2::encode_message(ddr_msg);
  const auto write_ec = co_await s->write_frame(out);
  if (!*alive) co_return make_error_code(CoreError::invalid_argument);
  if (wd.fired()) co_return make_error_code(CoreError::timeout);
  if (write_ec) co_return write_ec;
  while (!receiver.done()) {
    auto frame = co_await s->read_frame(autonat::kMaxMessageSize);
    if (!*alive) co_return make_error_code(CoreError::invalid_argument);
    if (wd.fired()) co_return make_error_code(CoreError::timeout);
    if (!frame) co_return frame.error();
    auto msg = v2::decode_message(*frame);
    if (!msg) co_return msg.error();
    const auto* chunk = std::get_if<v2::DialDataResponse>(&*msg);
    if (!chunk) co_return make_error_code(autonat::AutonatError::unexpected_message);
    counters_.dial_data_bytes += chunk->data.size();
    auto step = receiver.on_chunk(chunk->data.size());
    if (!step) co_return step.error();
  }
  co_return error_code{};
}

awaitable<Result<ConnectionPtr>> AutonatService::dial(DialerPtr dialer, multiformats::Multiaddr target) {
  // The ephemeral host has no listener: the source port is never our listen port (no accidental hole
  // punch), and the connection is always new (never one the requester opened).
  ++dialer->in_flight;
  auto dialed = co_await dialer->host.dial(target);
  --dialer->in_flight;
  if (!dialed) spdlog::debug("autonat: dial-back to {} failed: {}", target.to_string(), dialed.error().message());
  co_return dialed;
}

awaitable<v2::DialStatus> AutonatService::dial_back(DialerPtr dialer, multiformats::Multiaddr target,
                                                    std::uint64_t nonce, Clock::duration stream_timeout) {
  auto dialed = co_await dial(dialer, target);
  if (!dialed) co_return v2::DialStatus::E_DIAL_ERROR;
  ConnectionPtr c = *dialed;
  auto status = co_await send_dial_back(c, nonce, stream_timeout);
  c->close("autonat dial-back done");
  co_return status;
}

awaitable<v2::DialStatus> AutonatService::send_dial_back(ConnectionPtr c, std::uint64_t nonce,
                                                         Clock::duration stream_timeout) {
  auto pending = std::make_shared<StreamPtr>();
  Watchdog wd(c->executor(), stream_timeout, [c, pending] {
    if (*pending) {
      (*pending)->reset();
    } else {
      c->close("autonat dial-back stream timed out");
    }
  });
  auto opened = co_await c->open_stream(autonat::kDialBackProtocolId);
  if (!opened || wd.fired()) {
    if (opened) (*opened)->reset();
    spdlog::debug("autonat: dial-back stream to {} not opened: {}", c->remote_peer().to_base58(),
                  opened ? "timed out" : opened.error().message());
    co_return v2::DialStatus::E_DIAL_BACK_ERROR;
  }
  StreamPtr s = *opened;
  *pending = s;
  v2::DialBack msg;
  msg.nonce = nonce;
  const Bytes out = v2::encode_dial_back(msg);
  if (co_await s->write_frame(out)) co_return v2::DialStatus::E_DIAL_BACK_ERROR;
  s->close_write();
  // The DialBackResponse (or the client's clean close) tells us the nonce arrived before we close.
  auto answer = co_await s->read_frame(autonat::kMaxSendSize);
  if (wd.fired()) co_return v2::DialStatus::E_DIAL_BACK_ERROR;
  if (!answer) {
    if (answer.error() == asio::error::eof) co_return v2::DialStatus::OK;
    co_return v2::DialStatus::E_DIAL_BACK_ERROR;
  }
  auto resp = v2::decode_dial_back_response(*answer);
  if (!resp || resp->status != v2::DialBackStatus::OK) co_return v2::DialStatus::E_DIAL_BACK_ERROR;
  co_return v2::DialStatus::OK;
}

// ---------------------------------------------------------------------------------------------------
// v1

awaitable<void> AutonatService::serve_v1(StreamPtr s, std::shared_ptr<bool> alive, DialerPtr dialer) {
  auto conn = s->connection();
  if (!conn) co_return;
  auto resp = co_await handle_v1(s, conn, alive, dialer);
  if (!*alive || !resp.status) co_return;  // no status: the stream was reset
  v1::Message msg;
  msg.type = v1::MessageType::DIAL_RESPONSE;
  msg.dial_response = std::move(resp);
  Bytes out = v1::encode(msg);
  co_await reply(s, std::move(out));
}

awaitable<v1::DialResponse> AutonatService::handle_v1(StreamPtr s, ConnectionPtr conn, std::shared_ptr<bool> alive,
                                                     DialerPtr dialer) {
  const auto peer = conn->remote_peer();
  const std::string who = peer.to_base58();
  auto& counters = counters_.v1;
  ++counters.requests;

  Result<Bytes> frame = make_error_code(CoreError::timeout);
  bool timed_out = false;
  {
    Watchdog wd(conn->executor(), cfg_.request_timeout, [s] { s->reset(); });
    frame = co_await s->read_frame(autonat::kMaxMessageSize);
    timed_out = wd.fired();
  }
  if (!*alive) co_return v1_no_response();
  if (!frame) {
    refuse(counters, timed_out ? "request_timeout" : "bad_request");
    spdlog::info("peer {}: autonat v1 stream reset: {}", who, timed_out ? "no request in time" : frame.error().message());
    s->reset();
    co_return v1_no_response();
  }
  auto req = v1::decode(*frame);
  if (!req || req->type != v1::MessageType::DIAL || !req->dial || !req->dial->peer) {
    refuse(counters, "bad_request");
    const std::string why = !req ? req.error().message() : "expected DIAL with peer info";
    spdlog::info("peer {}: autonat v1 bad request: {}", who, why);
    co_return v1_response(v1::ResponseStatus::E_BAD_REQUEST, why);
  }
  const auto& info = *req->dial->peer;
  if (info.id) {
    auto id = multiformats::PeerId::from_bytes(*info.id);
    if (!id || *id != peer) {
      refuse(counters, "bad_request");
      const std::string why = id ? "peer id mismatch" : "bad peer id";
      spdlog::info("peer {}: autonat v1 bad request: {}", who, why);
      co_return v1_response(v1::ResponseStatus::E_BAD_REQUEST, why);
    }
  }
  if (stopped_) {
    refuse(counters, "shutting_down");
    co_return v1_response(v1::ResponseStatus::E_DIAL_REFUSED, "shutting down");
  }
  // v1 has no "rejected" status: rate and concurrency limits answer E_DIAL_REFUSED (as go does).
  if (auto rejection = limiter_.try_begin(peer, Clock::now())) {
    refuse(counters, autonat::rejection_name(*rejection));
    spdlog::info("peer {}: autonat v1 request rejected: {}", who, autonat::rejection_name(*rejection));
    const std::string why = "request rejected: " + std::string(autonat::rejection_name(*rejection));
    co_return v1_response(v1::ResponseStatus::E_DIAL_REFUSED, why);
  }
  RequestSlot slot(limiter_, peer, alive);

  // Only the requester's observed IP (autonat-v1.md: no dials to other hosts, no amplification).
  const auto observed = ip_of(conn->info().remote_endpoint.address());
  auto choice = autonat::dialable_addresses(info.addrs, observed, policy(true), autonat::kMaxV1DialAttempts, &peer);
  if (auto* none = std::get_if<autonat::NoDialable>(&choice)) {
    refuse(counters, "no_dialable_address");
    const std::string why = "no dialable addresses (last: " +
                            std::string(none->last_reason ? autonat::addr_skip_name(*none->last_reason) : "none given") +
                            ")";
    spdlog::info("peer {}: autonat v1 dial refused: {}", who, why);
    co_return v1_response(v1::ResponseStatus::E_DIAL_REFUSED, why);
  }
  const auto& candidates = std::get<std::vector<autonat::DialCandidate>>(choice);
  std::string last_error;
  for (const auto& cand : candidates) {
    const auto dial_target = cand.addr.with_p2p(peer);
    auto dialed = co_await dial(dialer, dial_target);
    if (!*alive) {
      if (dialed) (*dialed)->close("autonat service gone");
      co_return v1_no_response();
    }
    if (dialed) {
      (*dialed)->close("autonat v1 dial-back done");
      ++counters.dial_backs["ok"];
      spdlog::info("peer {}: autonat v1 dial-back to {}: OK", who, cand.addr.to_string());
      v1::DialResponse ok = v1_response(v1::ResponseStatus::OK, "dialed");
      ok.addr = cand.addr.bytes();
      co_return ok;
    }
    last_error = dialed.error().message();
  }
  ++counters.dial_backs["dial_error"];
  spdlog::info("peer {}: autonat v1 dial-back to {} address(es) failed: {}", who, candidates.size(), last_error);
  co_return v1_response(v1::ResponseStatus::E_DIAL_ERROR, "dial failed: " + last_error);
}

}  // namespace chiral::services
