// WebSocket transport (RFC 6455, as libp2p's /ws, /wss and /tls/ws transports use it: the libp2p byte
// stream is the concatenation of binary message payloads). Server side: an optional TLS handshake, then
// one bounded HTTP/1.1 upgrade request (anything else gets a 4xx and is closed), under one deadline.
// Client side: TCP already connected, optional TLS, then the upgrade handshake. Boost.Beast does the
// framing; OpenSSL does TLS. Beast and OpenSSL headers stay in ws_transport.cpp.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "core/result.hpp"
#include "multiformats/multiaddr.hpp"
#include "net/asio.hpp"
#include "net/byte_stream.hpp"

namespace boost::asio::ssl {
class context;
}

namespace chiral::net {

using TlsContext = asio::ssl::context;

// Upgrade request bounds and the WebSocket message bound (a peer cannot make us buffer more).
inline constexpr std::size_t kMaxUpgradeRequest = 8 * 1024;
inline constexpr std::size_t kMaxWsMessage = 1 << 20;
// Our writes go out as binary messages of at most this many bytes (well under any peer's message bound).
inline constexpr std::size_t kMaxWsWriteMessage = 256 * 1024;

enum class WsError {
  ok = 0,
  not_upgrade = 1,         // an HTTP request that is not a WebSocket upgrade (answered 426)
  request_too_large = 2,   // upgrade request above kMaxUpgradeRequest (answered 431)
  unexpected_data = 3,     // bytes after the upgrade request, before our 101
  tls_not_configured = 4,  // /wss without a TLS context (--tls-cert/--tls-key)
  unsupported_address = 5, // not /ip4|ip6|dns*/../tcp/N[/ws|/wss|/tls[/sni/x]/ws][/p2p/id]
};
const boost::system::error_category& ws_category() noexcept;
inline error_code make_error_code(WsError e) noexcept { return {static_cast<int>(e), ws_category()}; }

enum class WsKind { none, ws, wss };

// What follows /tcp/<port> in a dialable/listenable address.
struct TransportSpec {
  WsKind kind = WsKind::none;
  multiformats::Multiaddr suffix;  // empty, /ws, /wss or /tls/ws (as written, /sni dropped)
  std::string sni;                 // /sni/<name> value, if any
};
// Accepts /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port> followed by nothing, /ws, /wss, /tls/ws or
// /tls/sni/<name>/ws, then optionally /p2p/<id>; nullopt for anything else (/p2p-circuit, /quic, ...).
std::optional<TransportSpec> transport_spec(const multiformats::Multiaddr& addr);

// Server: TLS handshake (wss, `tls` required), then the upgrade, all under `timeout`.
awaitable<Result<ByteStream>> ws_accept(tcp::socket socket, WsKind kind, TlsContext* tls, Clock::duration timeout);
// Client: TLS handshake (wss; `sni` for SNI and host name verification), then the upgrade with
// `host_header` (host:port), all under `timeout`.
awaitable<Result<ByteStream>> ws_connect(tcp::socket socket, WsKind kind, TlsContext* tls, std::string host_header,
                                         std::string sni, Clock::duration timeout);

// TLS server context from PEM files (certificate chain, private key); nullptr and `why` on failure
// (unreadable file, not PEM, key not matching the certificate).
// `key_at_fault` tells whether the key file (rather than the certificate file) is to blame.
std::shared_ptr<TlsContext> make_tls_server_context(const std::string& cert_pem_path,
                                                    const std::string& key_pem_path, std::string* why,
                                                    bool* key_at_fault = nullptr);
// TLS client context that verifies the server against `ca_pem_path` (empty: the system's trust store).
std::shared_ptr<TlsContext> make_tls_client_context(const std::string& ca_pem_path, std::string* why);

}  // namespace chiral::net

namespace boost::system {
template <>
struct is_error_code_enum<chiral::net::WsError> : std::true_type {};
}  // namespace boost::system
