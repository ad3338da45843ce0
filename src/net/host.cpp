#include "net/host.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/error.hpp"
#include "net/upgrade.hpp"

namespace chiral::net {

namespace {

std::optional<tcp::endpoint> to_endpoint(const multiformats::Multiaddr& addr) {
  auto it = addr.ip_tcp();
  if (!it || !it->host.empty()) return std::nullopt;
  boost::system::error_code ec;
  asio::ip::address ip;
  if (it->v6) {
    asio::ip::address_v6::bytes_type b;
    std::copy(it->ip.begin(), it->ip.end(), b.begin());
    ip = asio::ip::address_v6(b);
  } else {
    asio::ip::address_v4::bytes_type b;
    std::copy(it->ip.begin(), it->ip.begin() + 4, b.begin());
    ip = asio::ip::address_v4(b);
  }
  return tcp::endpoint(ip, it->port);
}

// What is left of the handshake deadline (at least 1 ms, so an expired one still fails as a timeout).
Clock::duration remaining(Clock::time_point started, Clock::duration timeout) {
  const auto left = timeout - (Clock::now() - started);
  return std::max<Clock::duration>(left, std::chrono::milliseconds(1));
}

// Interface addresses for an unspecified bind (0.0.0.0 -> every IPv4 interface address, :: -> IPv6).
std::vector<asio::ip::address> interface_addresses(bool v6) {
  std::vector<asio::ip::address> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (auto* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || !(i->ifa_flags & IFF_UP)) continue;
    if (!v6 && i->ifa_addr->sa_family == AF_INET) {
      auto* sin = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
      out.push_back(asio::ip::address_v4(ntohl(sin->sin_addr.s_addr)));
    } else if (v6 && i->ifa_addr->sa_family == AF_INET6) {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(i->ifa_addr);
      asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), sin6->sin6_addr.s6_addr, 16);
      asio::ip::address_v6 a(b);
      if (a.is_link_local()) continue;  // needs a zone to be dialable
      out.push_back(a);
    }
  }
  ::freeifaddrs(list);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

Host::Host(asio::io_context& io, crypto::Ed25519PrivateKey key, HostConfig cfg)
    : io_(io),
      key_(std::move(key)),
      peer_id_(multiformats::PeerId::from_public_key(key_.public_key())),
      cfg_(std::move(cfg)),
      resources_(cfg_.resources) {}

Host::~Host() = default;

void Host::set_handler(std::string protocol, StreamHandler handler) {
  if (!handlers_.contains(protocol)) protocols_.push_back(protocol);
  handlers_[std::move(protocol)] = std::move(handler);
}

const Host::StreamHandler* Host::find_handler(std::string_view protocol) const {
  auto it = handlers_.find(protocol);
  return it == handlers_.end() ? nullptr : &it->second;
}

error_code Host::listen(const multiformats::Multiaddr& addr) {
  auto transport = transport_spec(addr);
  auto ep = to_endpoint(addr);
  if (!ep || !transport) return make_error_code(asio::error::address_family_not_supported);
  if (transport->kind == WsKind::wss && !cfg_.tls_server) return make_error_code(WsError::tls_not_configured);
  auto acceptor = std::make_shared<tcp::acceptor>(io_);
  error_code ec;
  acceptor->open(ep->protocol(), ec);
  if (ec) return ec;
  acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (ep->address().is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
  acceptor->bind(*ep, ec);
  if (ec) return ec;
  acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return ec;
  acceptors_.push_back(acceptor);
  acceptor_transports_.push_back(*transport);
  asio::co_spawn(io_, accept_loop(acceptor, *transport), asio::detached);
  return {};
}

std::vector<multiformats::Multiaddr> Host::bound_addrs() const {
  std::vector<multiformats::Multiaddr> out;
  for (std::size_t i = 0; i < acceptors_.size(); ++i) {
    error_code ec;
    auto ep = acceptors_[i]->local_endpoint(ec);
    if (!ec) out.push_back(to_multiaddr(ep).encapsulate(acceptor_transports_[i].suffix));
  }
  return out;
}

std::vector<multiformats::Multiaddr> Host::listen_addrs() const {
  std::vector<multiformats::Multiaddr> out = cfg_.external_addrs;
  auto add = [&out](multiformats::Multiaddr m) {
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(std::move(m));
  };
  for (std::size_t i = 0; i < acceptors_.size(); ++i) {
    error_code ec;
    auto ep = acceptors_[i]->local_endpoint(ec);
    if (ec) continue;
    const auto& suffix = acceptor_transports_[i].suffix;  // /ws etc.: browsers need these forms
    if (ep.address().is_unspecified()) {
      for (const auto& ip : interface_addresses(ep.address().is_v6())) {
        add(to_multiaddr(tcp::endpoint(ip, ep.port())).encapsulate(suffix));
      }
    } else {
      add(to_multiaddr(ep).encapsulate(suffix));
    }
  }
  return out;
}

awaitable<void> Host::accept_loop(std::shared_ptr<tcp::acceptor> acceptor, TransportSpec transport) {
  asio::steady_timer backoff(io_);
  while (accepting() && acceptor->is_open()) {
    auto [ec, socket] = co_await acceptor->async_accept(use_nothrow);
    if (ec) {
      if (ec == asio::error::operation_aborted || !accepting()) break;
      // EMFILE/ENFILE and friends: back off briefly, then keep accepting.
      spdlog::warn("accept failed: {}; retrying in 100 ms", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(use_nothrow);
      continue;
    }
    ConnectionPermit permit;
    if (!admit(socket, permit)) continue;  // over a limit: closed before reading a byte
    asio::co_spawn(io_, handle_inbound(std::move(socket), transport, std::move(permit)), asio::detached);
  }
}

bool Host::admit(tcp::socket& socket, ConnectionPermit& permit) {
  error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return false;  // already gone; the socket closes with its destructor
  auto decision = resources_.try_open_connection(remote.address());
  if (auto* p = std::get_if<ConnectionPermit>(&decision)) {
    permit = std::move(*p);
    return true;
  }
  const auto refusal = std::get<ResourceRefusal>(decision);
  // RST, not FIN: no TIME_WAIT left behind per refused flood connection.
  socket.set_option(asio::socket_base::linger(true, 0), ec);
  socket.close(ec);
  // One line per refusal would let a flood fill the disk: at most one per second, with the count held back.
  auto& unlogged = refusals_unlogged_[static_cast<std::size_t>(refusal)];
  ++unlogged;
  const auto now = Clock::now();
  if (now - refusal_logged_at_ >= std::chrono::seconds(1)) {
    refusal_logged_at_ = now;
    spdlog::info("inbound {}:{}: refused: {} limit reached ({} such refusal(s) since the last line)",
                 remote.address().to_string(), remote.port(), resource_refusal_label(refusal), unlogged);
    unlogged = 0;
  }
  return false;
}

awaitable<void> Host::handle_inbound(tcp::socket socket, TransportSpec transport, ConnectionPermit permit) {
  error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) co_return;
  socket.set_option(tcp::no_delay(true), ec);
  const auto started = Clock::now();
  // WebSocket listeners: TLS + HTTP upgrade first, within the same handshake deadline.
  Result<ByteStream> stream = make_error_code(CoreError::invalid_argument);
  if (transport.kind == WsKind::none) {
    stream = ByteStream(std::move(socket));
  } else {
    stream = co_await ws_accept(std::move(socket), transport.kind, cfg_.tls_server.get(), cfg_.handshake_timeout);
    if (!stream) {
      spdlog::info("inbound {}:{}: handshake failed during websocket upgrade: {}", remote.address().to_string(),
                   remote.port(), stream.error().message());
      ++handshake_failures_["websocket_upgrade"];
      co_return;
    }
  }
  const char* stage = nullptr;
  const auto left = remaining(started, cfg_.handshake_timeout);
  auto up = co_await upgrade_inbound(std::move(*stream), key_, left, &stage);
  if (!up) {
    spdlog::info("inbound {}:{}: handshake failed during {}: {}", remote.address().to_string(), remote.port(),
                 stage ? stage : "upgrade", up.error().message());
    std::string label = stage ? stage : "upgrade";
    std::replace(label.begin(), label.end(), ' ', '_');
    ++handshake_failures_[label];
    co_return;
  }
  if (!accepting()) co_return;
  permit.handshake_done();
  up->info.id = next_conn_id_++;
  up->info.inbound = true;
  up->info.transport = transport.suffix;
  auto conn = std::make_shared<Connection>(*this, std::move(up->channel), std::move(up->info), cfg_.connection);
  conn->set_permit(std::move(permit));
  register_connection(conn);
  conn->start(std::move(up->early_plaintext));
}

awaitable<Result<ConnectionPtr>> Host::dial(const multiformats::Multiaddr& addr) {
  auto it = addr.ip_tcp();
  auto transport = transport_spec(addr);
  if (!it || !transport) co_return make_error_code(asio::error::address_family_not_supported);
  auto expected = addr.peer_id();
  tcp::socket socket(io_);
  {
    Watchdog wd(io_.get_executor(), cfg_.dial_timeout, [&socket] {
      error_code ignored;
      socket.close(ignored);
    });
    std::vector<tcp::endpoint> endpoints;
    if (it->host.empty()) {
      endpoints.push_back(*to_endpoint(addr));
    } else {
      tcp::resolver resolver(io_);
      auto [rec, results] = co_await resolver.async_resolve(it->host, std::to_string(it->port), use_nothrow);
      if (rec) co_return rec;
      for (const auto& r : results) endpoints.push_back(r.endpoint());
    }
    auto [cec, ep] = co_await asio::async_connect(socket, endpoints, use_nothrow);
    if (wd.fired()) co_return make_error_code(asio::error::timed_out);
    if (cec) co_return cec;
  }
  error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  const auto handshake_started = Clock::now();
  Result<ByteStream> stream = make_error_code(CoreError::invalid_argument);
  if (transport->kind == WsKind::none) {
    stream = ByteStream(std::move(socket));
  } else {
    const std::string host = it->host_protocol == multiformats::Protocol::ip6 ? "[" + it->host_text() + "]"
                                                                              : it->host_text();
    std::string host_header = host + ":" + std::to_string(it->port);
    std::string tls_host = transport->sni.empty() ? it->host_text() : transport->sni;
    stream = co_await ws_connect(std::move(socket), transport->kind, cfg_.tls_client.get(), std::move(host_header),
                                 std::move(tls_host), cfg_.handshake_timeout);
    if (!stream) co_return stream.error();
  }
  const auto left = remaining(handshake_started, cfg_.handshake_timeout);
  auto up = co_await upgrade_outbound(std::move(*stream), key_, expected, left);
  if (!up) co_return up.error();
  up->info.id = next_conn_id_++;
  up->info.inbound = false;
  up->info.transport = transport->suffix;
  auto conn = std::make_shared<Connection>(*this, std::move(up->channel), std::move(up->info), cfg_.connection);
  register_connection(conn);
  conn->start(std::move(up->early_plaintext));
  co_return conn;
}

void Host::register_connection(const ConnectionPtr& c) {
  const auto& info = c->info();
  connections_[info.id] = c;
  by_peer_[info.remote_peer].push_back(info.id);
  spdlog::info("peer {} conn {}: connected ({} {}, muxer {})", info.remote_peer.to_base58(), info.id,
               info.inbound ? "inbound from" : "outbound to", info.remote_addr().to_string(), info.muxer);
  for (auto& obs : observers_) obs(c, true);
}

void Host::connection_closed(const ConnectionPtr& c) {
  const auto& info = c->info();
  if (connections_.erase(info.id) == 0) return;
  auto it = by_peer_.find(info.remote_peer);
  if (it != by_peer_.end()) {
    std::erase(it->second, info.id);
    if (it->second.empty()) by_peer_.erase(it);
  }
  for (auto& obs : observers_) obs(c, false);
}

std::vector<ConnectionPtr> Host::connections() const {
  std::vector<ConnectionPtr> out;
  out.reserve(connections_.size());
  for (const auto& [id, c] : connections_) out.push_back(c);
  return out;
}

std::vector<ConnectionPtr> Host::connections_to(const multiformats::PeerId& peer) const {
  std::vector<ConnectionPtr> out;
  auto it = by_peer_.find(peer);
  if (it == by_peer_.end()) return out;
  for (auto id : it->second) out.push_back(connections_.at(id));
  return out;
}

void Host::stop_accepting() {
  draining_ = true;
  for (auto& a : acceptors_) {
    error_code ignored;
    a->close(ignored);
  }
}

void Host::stop() {
  stop_accepting();
  stopped_ = true;
  for (auto& c : connections()) c->close("host shutting down", 0);
}

}  // namespace chiral::net
