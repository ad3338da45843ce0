// Native Prometheus endpoint (--prometheus-listen ADDR:PORT): a small Boost.Beast HTTP/1.1 server that
// answers GET /metrics with the registry in text exposition format 0.0.4; bounded requests, deadlines.
#pragma once
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include "metrics/registry.hpp"

namespace chiral::metrics {

// "127.0.0.1:9100", "[::1]:9100", ":9100" (every IPv4 interface), "localhost:9100" (127.0.0.1).
// On failure returns nullopt and, when `error` is given, a reason for the operator.
std::optional<boost::asio::ip::tcp::endpoint> parse_listen_endpoint(std::string_view text,
                                                                    std::string* error = nullptr);

struct PrometheusOptions {
  std::chrono::milliseconds header_timeout{5000};  // to read a whole request (also the keep-alive idle time)
  std::chrono::milliseconds write_timeout{10000};
  std::size_t max_request_bytes = 8192;            // header + body
  std::size_t max_connections = 64;                // more are accepted and closed at once
};

class PrometheusServer {
 public:
  PrometheusServer(boost::asio::io_context& io, Registry& registry, PrometheusOptions options = {});
  ~PrometheusServer();  // stop()
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  // Binds and starts accepting; the error (address in use, permission) is returned for start-up to report.
  boost::system::error_code listen(const boost::asio::ip::tcp::endpoint& endpoint);
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // Closes the listener and every open connection.
  void stop();

  std::size_t open_connections() const;
  std::uint64_t scrapes() const;  // 200 responses to /metrics

  struct State;

 private:
  std::shared_ptr<State> state_;  // shared with the connection coroutines, which may outlive this object
};

}  // namespace chiral::metrics
