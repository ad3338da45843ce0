// Prometheus HTTP endpoint: one coroutine per connection, request size and read deadline bounded.
#include "metrics/prometheus_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <unordered_map>

namespace chiral::metrics {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

}  // namespace

std::optional<tcp::endpoint> parse_listen_endpoint(std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<tcp::endpoint> {
    if (error) *error = "invalid listen address '" + std::string(text) + "': " + why;
    return std::nullopt;
  };
  std::string_view host, port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return fail("missing ']'");
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') return fail("expected [ADDR]:PORT");
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail("expected ADDR:PORT");
    host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) return fail("IPv6 addresses go in brackets: [ADDR]:PORT");
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  const auto r = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || r.ec != std::errc() || r.ptr != port.data() + port.size() || value > 65535) {
    return fail("port must be a number 0-65535");
  }
  asio::ip::address addr;
  if (host.empty()) {
    addr = asio::ip::address_v4::any();
  } else if (host == "localhost") {
    addr = asio::ip::address_v4::loopback();
  } else {
    boost::system::error_code ec;
    addr = asio::ip::make_address(std::string(host), ec);
    if (ec) return fail("'" + std::string(host) + "' is not an IP address");
  }
  return tcp::endpoint(addr, static_cast<unsigned short>(value));
}

struct PrometheusServer::State {
  State(asio::io_context& io, Registry& r, PrometheusOptions o) : acceptor(io), registry(&r), options(o) {}
  tcp::acceptor acceptor;
  Registry* registry;
  PrometheusOptions options;
  bool stopped = false;
  std::uint64_t next_id = 1;
  std::unordered_map<std::uint64_t, beast::tcp_stream*> connections;
  std::uint64_t scrapes = 0;
};

namespace {

using StatePtr = std::shared_ptr<PrometheusServer::State>;

// Keeps State::connections exact even when a suspended connection frame is destroyed with its io_context.
class ConnectionEntry {
 public:
  ConnectionEntry(PrometheusServer::State& st, beast::tcp_stream& stream) : st_(st), id_(st.next_id++) {
    st_.connections.emplace(id_, &stream);
  }
  ~ConnectionEntry() { st_.connections.erase(id_); }
  ConnectionEntry(const ConnectionEntry&) = delete;
  ConnectionEntry& operator=(const ConnectionEntry&) = delete;

 private:
  PrometheusServer::State& st_;
  std::uint64_t id_;
};

http::response<http::string_body> make_response(PrometheusServer::State& st,
                                                const http::request<http::string_body>& req) {
  http::response<http::string_body> res;
  res.version(req.version());
  res.keep_alive(req.keep_alive());
  res.set(http::field::server, "chiral-relay");
  std::string_view target = req.target();
  if (const auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  if (target != "/metrics") {
    res.result(http::status::not_found);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = "not found; metrics are at /metrics\n";
  } else if (req.method() != http::verb::get && req.method() != http::verb::head) {
    res.result(http::status::method_not_allowed);
    res.set(http::field::allow, "GET, HEAD");
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = "method not allowed\n";
  } else {
    res.result(http::status::ok);
    res.set(http::field::content_type, kExpositionContentType);
    res.body() = st.registry->render();
    ++st.scrapes;
  }
  res.prepare_payload();
  if (req.method() == http::verb::head) res.body().clear();  // Content-Length stays that of the GET body
  return res;
}

asio::awaitable<void> write_error(beast::tcp_stream& stream, http::status status, std::chrono::milliseconds timeout) {
  http::response<http::string_body> res;
  res.result(status);
  res.version(11);
  res.keep_alive(false);
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.body() = std::string(http::obsolete_reason(status)) + "\n";
  res.prepare_payload();
  stream.expires_after(timeout);
  co_await http::async_write(stream, res, use_nothrow);
}

asio::awaitable<void> serve_connection(StatePtr st, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  const ConnectionEntry entry(*st, stream);
  beast::flat_buffer buffer(st->options.max_request_bytes);
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(st->options.max_request_bytes));
    parser.body_limit(st->options.max_request_bytes);
    stream.expires_after(st->options.header_timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_nothrow);
    if (st->stopped) break;
    if (ec) {
      if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
        co_await write_error(stream, http::status::request_header_fields_too_large, st->options.write_timeout);
      } else if (ec == http::error::body_limit) {
        co_await write_error(stream, http::status::payload_too_large, st->options.write_timeout);
      } else if (ec != http::error::end_of_stream && ec != beast::error::timeout && ec != asio::error::eof &&
                 ec != asio::error::operation_aborted && ec != asio::error::connection_reset) {
        co_await write_error(stream, http::status::bad_request, st->options.write_timeout);
      }
      break;
    }
    const auto& req = parser.get();
    auto res = make_response(*st, req);
    const bool keep_alive = res.keep_alive();
    stream.expires_after(st->options.write_timeout);
    auto [wec, wn] = co_await http::async_write(stream, res, use_nothrow);
    if (wec || !keep_alive || st->stopped) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
}

asio::awaitable<void> accept_loop(StatePtr st) {
  asio::steady_timer backoff(st->acceptor.get_executor());
  for (;;) {
    auto [ec, socket] = co_await st->acceptor.async_accept(use_nothrow);
    if (st->stopped) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      // EMFILE and friends: log, back off, keep serving the relay.
      spdlog::warn("prometheus endpoint: accept failed: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(200));
      co_await backoff.async_wait(use_nothrow);
      continue;
    }
    if (st->connections.size() >= st->options.max_connections) {
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    asio::co_spawn(st->acceptor.get_executor(), serve_connection(st, std::move(socket)), asio::detached);
  }
}

}  // namespace

PrometheusServer::PrometheusServer(asio::io_context& io, Registry& registry, PrometheusOptions options)
    : state_(std::make_shared<State>(io, registry, options)) {}

PrometheusServer::~PrometheusServer() { stop(); }

boost::system::error_code PrometheusServer::listen(const tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  auto& acc = state_->acceptor;
  if (acc.open(endpoint.protocol(), ec)) return ec;
  if (acc.set_option(tcp::acceptor::reuse_address(true), ec)) return ec;
  if (acc.bind(endpoint, ec) || acc.listen(asio::socket_base::max_listen_connections, ec)) {
    boost::system::error_code ignored;
    acc.close(ignored);
    return ec;
  }
  asio::co_spawn(acc.get_executor(), accept_loop(state_), asio::detached);
  return {};
}

tcp::endpoint PrometheusServer::local_endpoint() const {
  boost::system::error_code ec;
  return state_->acceptor.local_endpoint(ec);
}

void PrometheusServer::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
  for (auto& [id, stream] : state_->connections) stream->socket().close(ignored);
}

std::size_t PrometheusServer::open_connections() const { return state_->connections.size(); }
std::uint64_t PrometheusServer::scrapes() const { return state_->scrapes; }

}  // namespace chiral::metrics
