// WebSocket transport over Boost.Beast (RFC 6455) with optional TLS (OpenSSL through Asio): libp2p's
// /ws, /wss and /tls/ws. See ws_transport.hpp for the contract; bounds are kMaxUpgradeRequest and
// kMaxWsMessage, and every step before the libp2p upgrade runs under one Watchdog.
#include "net/ws_transport.hpp"

#include <openssl/ssl.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "net/signal.hpp"

namespace chiral::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;

namespace {

const char* ws_message(WsError e) {
  switch (e) {
    case WsError::ok: return "ok";
    case WsError::not_upgrade: return "HTTP request is not a WebSocket upgrade";
    case WsError::request_too_large: return "WebSocket upgrade request too large";
    case WsError::unexpected_data: return "data after the WebSocket upgrade request";
    case WsError::tls_not_configured: return "/wss needs a TLS certificate and key";
    case WsError::unsupported_address: return "unsupported transport address";
  }
  return "unknown websocket error";
}

void close_socket(tcp::socket& s) {
  error_code ignored;
  s.shutdown(tcp::socket::shutdown_both, ignored);
  s.close(ignored);
}

// One WebSocket over `Next` (tcp::socket or ssl::stream<tcp::socket>) as a MessageStream.
template <class Next>
class WsStream final : public MessageStream {
 public:
  template <class... Args>
  explicit WsStream(Args&&... args) : ws_(std::forward<Args>(args)...) {
    ws_.binary(true);
    ws_.auto_fragment(false);           // one write, one frame
    ws_.read_message_max(kMaxWsMessage);
    websocket::permessage_deflate pmd;  // no compression: Noise output does not compress, and it costs memory
    pmd.server_enable = false;
    pmd.client_enable = false;
    ws_.set_option(pmd);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::server, "chiral-relay");
    }));
  }

  websocket::stream<Next>& ws() { return ws_; }
  tcp::socket& socket() override { return beast::get_lowest_layer(ws_); }

  awaitable<Result<std::size_t>> read_some(MutableBytesView buf) override {
    auto b = asio::buffer(buf.data(), buf.size());
    auto [ec, n] = co_await ws_.async_read_some(b, use_nothrow);
    if (n > 0) co_return n;
    if (ec == websocket::error::closed) co_return make_error_code(asio::error::eof);
    if (ec) co_return ec;
    co_return std::size_t{0};
  }

  awaitable<error_code> write_all(BytesView data) override {
    while (!data.empty()) {
      const std::size_t chunk = std::min(data.size(), kMaxWsWriteMessage);
      auto b = asio::buffer(data.data(), chunk);
      auto [ec, n] = co_await ws_.async_write(b, use_nothrow);
      if (ec) co_return ec;
      data = data.subspan(chunk);
    }
    co_return error_code{};
  }

 private:
  websocket::stream<Next> ws_;
};

template <class Next>
awaitable<void> send_refusal(Next& next, std::string status, std::string body) {
  const std::string res = "HTTP/1.1 " + status + "\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
  auto b = asio::buffer(res);
  co_await asio::async_write(next, b, use_nothrow);
}

// Reads one bounded upgrade request and answers it: 101 (then the stream is a WebSocket) or a 4xx.
template <class Next>
awaitable<error_code> server_upgrade(websocket::stream<Next>& ws) {
  beast::flat_buffer buf(kMaxUpgradeRequest);
  http::request_parser<http::empty_body> parser;
  parser.header_limit(kMaxUpgradeRequest);
  parser.body_limit(0);
  auto [ec, n] = co_await http::async_read(ws.next_layer(), buf, parser, use_nothrow);
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    co_await send_refusal(ws.next_layer(), "431 Request Header Fields Too Large", "upgrade request too large\n");
    co_return make_error_code(WsError::request_too_large);
  }
  if (ec) co_return ec;
  if (!websocket::is_upgrade(parser.get())) {
    co_await send_refusal(ws.next_layer(), "426 Upgrade Required", "libp2p WebSocket endpoint: upgrade required\n");
    co_return make_error_code(WsError::not_upgrade);
  }
  // A client must wait for our 101 before sending frames.
  if (buf.size() != 0) co_return make_error_code(WsError::unexpected_data);
  http::request<http::empty_body> req = parser.release();
  auto [aec] = co_await ws.async_accept(req, use_nothrow);
  co_return aec;
}

template <class Next>
awaitable<error_code> client_upgrade(websocket::stream<Next>& ws, std::string host_header) {
  const std::string_view host = host_header;
  const std::string_view target = "/";
  auto [ec] = co_await ws.async_handshake(host, target, use_nothrow);
  co_return ec;
}

// TLS (if `Next` is an ssl::stream) then the upgrade, under one deadline.
template <class Next>
awaitable<Result<ByteStream>> establish(std::unique_ptr<WsStream<Next>> ms, bool server, std::string host_header,
                                        Clock::duration timeout) {
  WsStream<Next>* p = ms.get();
  Watchdog wd(p->socket().get_executor(), timeout, [p] { close_socket(p->socket()); });
  if constexpr (!std::is_same_v<Next, tcp::socket>) {
    const auto role = server ? ssl::stream_base::server : ssl::stream_base::client;
    auto [hec] = co_await p->ws().next_layer().async_handshake(role, use_nothrow);
    if (wd.fired()) co_return make_error_code(CoreError::timeout);
    if (hec) co_return hec;
  }
  error_code ec;
  if (server) {
    ec = co_await server_upgrade(p->ws());
  } else {
    ec = co_await client_upgrade(p->ws(), std::move(host_header));
  }
  if (wd.fired()) co_return make_error_code(CoreError::timeout);
  if (ec) {
    close_socket(p->socket());
    co_return ec;
  }
  co_return ByteStream(std::move(ms));
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

const boost::system::error_category& ws_category() noexcept {
  static const EnumCategory<WsError> cat("chiral.ws", ws_message);
  return cat;
}

std::optional<TransportSpec> transport_spec(const multiformats::Multiaddr& addr) {
  using multiformats::Protocol;
  const auto comps = addr.components();
  if (comps.size() < 2 || comps[1].code != Protocol::tcp) return std::nullopt;
  switch (comps[0].code) {
    case Protocol::ip4: case Protocol::ip6: case Protocol::dns: case Protocol::dns4: case Protocol::dns6: break;
    default: return std::nullopt;
  }
  TransportSpec spec;
  std::size_t i = 2;
  const std::size_t n = comps.size();
  auto at = [&](Protocol p) { return i < n && comps[i].code == p; };
  if (at(Protocol::ws)) {
    spec.kind = WsKind::ws;
    spec.suffix = *multiformats::Multiaddr::from_string("/ws");
    ++i;
  } else if (at(Protocol::wss)) {
    spec.kind = WsKind::wss;
    spec.suffix = *multiformats::Multiaddr::from_string("/wss");
    ++i;
  } else if (at(Protocol::tls)) {
    ++i;
    if (at(Protocol::sni)) spec.sni = comps[i++].value_string();
    if (!at(Protocol::ws)) return std::nullopt;
    ++i;
    spec.kind = WsKind::wss;
    spec.suffix = *multiformats::Multiaddr::from_string("/tls/ws");
  }
  if (at(Protocol::p2p)) ++i;
  if (i != n) return std::nullopt;
  return spec;
}

awaitable<Result<ByteStream>> ws_accept(tcp::socket socket, WsKind kind, TlsContext* tls, Clock::duration timeout) {
  std::string no_host;  // named: no temporaries inside co_await expressions (GCC 12)
  if (kind == WsKind::wss) {
    if (!tls) {
      close_socket(socket);
      co_return make_error_code(WsError::tls_not_configured);
    }
    auto ms = std::make_unique<WsStream<ssl::stream<tcp::socket>>>(std::move(socket), *tls);
    co_return co_await establish(std::move(ms), true, std::move(no_host), timeout);
  }
  auto ms = std::make_unique<WsStream<tcp::socket>>(std::move(socket));
  co_return co_await establish(std::move(ms), true, std::move(no_host), timeout);
}

awaitable<Result<ByteStream>> ws_connect(tcp::socket socket, WsKind kind, TlsContext* tls, std::string host_header,
                                         std::string sni, Clock::duration timeout) {
  if (kind == WsKind::wss) {
    if (!tls) {
      close_socket(socket);
      co_return make_error_code(WsError::tls_not_configured);
    }
    auto ms = std::make_unique<WsStream<ssl::stream<tcp::socket>>>(std::move(socket), *tls);
    auto& tls_stream = ms->ws().next_layer();
    // SNI only for names (RFC 6066); the certificate is checked against the name or IP either way.
    if (!is_ip_literal(sni)) SSL_set_tlsext_host_name(tls_stream.native_handle(), sni.c_str());
    tls_stream.set_verify_callback(ssl::host_name_verification(sni));
    co_return co_await establish(std::move(ms), false, std::move(host_header), timeout);
  }
  auto ms = std::make_unique<WsStream<tcp::socket>>(std::move(socket));
  co_return co_await establish(std::move(ms), false, std::move(host_header), timeout);
}

std::shared_ptr<TlsContext> make_tls_server_context(const std::string& cert_pem_path, const std::string& key_pem_path,
                                                    std::string* why, bool* key_at_fault) {
  auto say = [&](bool key, std::string msg) -> std::shared_ptr<TlsContext> {
    if (why) *why = std::move(msg);
    if (key_at_fault) *key_at_fault = key;
    return nullptr;
  };
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  error_code ec;
  ctx->use_certificate_chain_file(cert_pem_path, ec);
  if (ec) return say(false, "cannot load a PEM certificate chain from " + cert_pem_path + ": " + ec.message());
  ctx->use_private_key_file(key_pem_path, ssl::context::pem, ec);
  if (ec) return say(true, "cannot load a PEM private key from " + key_pem_path + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return say(true, "private key " + key_pem_path + " does not match certificate " + cert_pem_path);
  }
  return ctx;
}

std::shared_ptr<TlsContext> make_tls_client_context(const std::string& ca_pem_path, std::string* why) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ctx->set_verify_mode(ssl::verify_peer);
  error_code ec;
  if (ca_pem_path.empty()) {
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->load_verify_file(ca_pem_path, ec);
  }
  if (ec) {
    if (why) *why = "cannot load trust anchors " + ca_pem_path + ": " + ec.message();
    return nullptr;
  }
  return ctx;
}

}  // namespace chiral::net
