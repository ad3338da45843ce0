// Prometheus endpoint over loopback with a raw HTTP client: /metrics, 404/405, keep-alive, HEAD, request
// size limit, header deadline, connection cap, stop; and the ADDR:PORT parser.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "metrics/prometheus_server.hpp"

using namespace chiral::metrics;
using boost::asio::ip::tcp;

namespace {

// The server on its own io thread; every server call is posted there.
class Fixture {
 public:
  explicit Fixture(PrometheusOptions options = {}) : work_(io_.get_executor()), server_(io_, registry_, options) {
    registry_.counter("test_requests_total", "Requests", {{"path", "/x\"y"}}).inc(5);
    registry_.gauge("test_up", "Up").set(1);
    registry_.histogram("test_seconds", "Durations", {0.1, 1}).observe(0.5);
    registry_.add_collector([this](Registry& r) { r.gauge("test_collects", "Collector runs").set(++collects_); });
    EXPECT_FALSE(server_.listen(*parse_listen_endpoint("127.0.0.1:0")));
    port_ = server_.local_endpoint().port();
    thread_ = std::thread([this] { io_.run(); });
  }
  template <class F>
  auto on_io(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return fut.get();
  }
  ~Fixture() {
    on_io([this] { server_.stop(); });
    work_.reset();
    thread_.join();
  }
  std::uint16_t port() const { return port_; }
  Registry& registry() { return registry_; }
  PrometheusServer& server() { return server_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  Registry registry_;
  PrometheusServer server_;
  int collects_ = 0;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// A blocking loopback client with a receive timeout.
class Client {
 public:
  explicit Client(std::uint16_t port, int timeout_ms = 3000) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool send(std::string_view s) { return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size()); }

  struct Response {
    int status = 0;
    std::string headers;  // lower-cased header block
    std::string body;
  };
  // Reads one response (Content-Length framed); status 0 when the connection closed or timed out first.
  Response read_response(bool head = false) {
    Response r;
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return r;
    }
    std::string head_block = buf_.substr(0, end + 2);
    buf_.erase(0, end + 4);
    for (auto& c : head_block) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers = head_block;
    r.status = std::stoi(head_block.substr(9, 3));
    std::size_t length = 0;
    if (auto p = head_block.find("content-length: "); p != std::string::npos) length = std::stoul(head_block.substr(p + 16));
    if (head) length = 0;
    while (buf_.size() < length) {
      if (!fill()) return Response{};
    }
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return r;
  }
  // True when the peer closed the connection (read returns 0 or an error other than the timeout).
  bool closed_by_peer() {
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  bool fill() {
    char tmp[4096];
    const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

const char* kGet = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n";

}  // namespace

TEST(PrometheusServer, ServesTheRegistry) {
  Fixture f;
  Client c(f.port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send(kGet));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("content-type: text/plain; version=0.0.4"), std::string::npos) << r.headers;
  EXPECT_NE(r.body.find("# TYPE test_requests_total counter\ntest_requests_total{path=\"/x\\\"y\"} 5\n"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("test_seconds_bucket{le=\"+Inf\"} 1\n"), std::string::npos);
  EXPECT_NE(r.body.find("test_collects 1\n"), std::string::npos);  // collectors ran for the scrape
  EXPECT_EQ(f.on_io([&] { return f.server().scrapes(); }), 1u);
}

TEST(PrometheusServer, KeepAliveServesSeveralRequests) {
  Fixture f;
  Client c(f.port());
  ASSERT_TRUE(c.connected());
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(c.send(kGet));
    auto r = c.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("test_collects " + std::to_string(i) + "\n"), std::string::npos);
  }
  // Pipelined: two requests in one write.
  ASSERT_TRUE(c.send(std::string(kGet) + kGet));
  EXPECT_EQ(c.read_response().status, 200);
  EXPECT_EQ(c.read_response().status, 200);
  // Connection: close is honoured.
  ASSERT_TRUE(c.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(c.read_response().status, 200);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(PrometheusServer, OtherPathsAndMethods) {
  Fixture f;
  Client c(f.port());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(c.read_response().status, 404);
  ASSERT_TRUE(c.send("GET /metricsx HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(c.read_response().status, 404);
  ASSERT_TRUE(c.send("GET /metrics?name[]=x HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(c.read_response().status, 200);
  ASSERT_TRUE(c.send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 405);
  EXPECT_NE(r.headers.find("allow: get, head"), std::string::npos);
  ASSERT_TRUE(c.send("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
  r = c.read_response(true);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  // Still in sync after HEAD (no stray body bytes).
  ASSERT_TRUE(c.send(kGet));
  EXPECT_EQ(c.read_response().status, 200);
}

TEST(PrometheusServer, OversizedRequestIsRefused) {
  Fixture f;
  Client c(f.port());
  std::string req = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n";
  c.send(req);
  auto r = c.read_response();
  EXPECT_EQ(r.status, 431);
  EXPECT_TRUE(c.closed_by_peer());

  Client d(f.port());
  d.send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
  EXPECT_EQ(d.read_response().status, 413);

  Client e(f.port());
  e.send("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(e.read_response().status, 400);
  EXPECT_TRUE(e.closed_by_peer());
}

TEST(PrometheusServer, SlowHeaderIsCutAtTheDeadline) {
  PrometheusOptions o;
  o.header_timeout = std::chrono::milliseconds(200);
  Fixture f(o);
  Client c(f.port());
  ASSERT_TRUE(c.send("GET /metrics HTTP/1.1\r\n"));  // never finishes the header
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(2000));
  // An idle keep-alive connection is closed after the same time.
  Client d(f.port());
  ASSERT_TRUE(d.send(kGet));
  EXPECT_EQ(d.read_response().status, 200);
  EXPECT_TRUE(d.closed_by_peer());
  EXPECT_EQ(f.on_io([&] { return f.server().open_connections(); }), 0u);
}

TEST(PrometheusServer, ConnectionCap) {
  PrometheusOptions o;
  o.max_connections = 2;
  Fixture f(o);
  Client a(f.port()), b(f.port());
  ASSERT_TRUE(a.send(kGet));
  ASSERT_TRUE(b.send(kGet));
  EXPECT_EQ(a.read_response().status, 200);
  EXPECT_EQ(b.read_response().status, 200);
  Client c(f.port());
  EXPECT_TRUE(c.closed_by_peer());  // accepted and closed
  a.send("GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(a.read_response().status, 200);
  EXPECT_TRUE(a.closed_by_peer());
  for (int i = 0; i < 100 && f.on_io([&] { return f.server().open_connections(); }) > 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Client d(f.port());
  ASSERT_TRUE(d.send(kGet));
  EXPECT_EQ(d.read_response().status, 200);
}

TEST(PrometheusServer, StopClosesListenerAndConnections) {
  Fixture f;
  Client c(f.port());
  ASSERT_TRUE(c.send(kGet));
  EXPECT_EQ(c.read_response().status, 200);
  f.on_io([&] {
    f.server().stop();
    return 0;
  });
  EXPECT_TRUE(c.closed_by_peer());
  Client d(f.port());
  EXPECT_FALSE(d.connected());
}

TEST(PrometheusServer, ListenErrorIsReturned) {
  Fixture f;
  boost::asio::io_context io;
  Registry r;
  PrometheusServer second(io, r);
  EXPECT_TRUE(second.listen(tcp::endpoint(boost::asio::ip::address_v4::loopback(), f.port())));
}

TEST(ParseListenEndpoint, Forms) {
  auto e = parse_listen_endpoint("127.0.0.1:9100");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->address().to_string(), "127.0.0.1");
  EXPECT_EQ(e->port(), 9100);
  e = parse_listen_endpoint("[::1]:9100");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->address().is_v6());
  EXPECT_EQ(e->address().to_string(), "::1");
  e = parse_listen_endpoint(":9100");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->address().to_string(), "0.0.0.0");
  e = parse_listen_endpoint("[::]:0");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->port(), 0);
  e = parse_listen_endpoint("localhost:9100");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->address().to_string(), "127.0.0.1");
  std::string err;
  for (const char* bad : {"", "9100", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "1.2.3:80",
                          "::1:9100", "[::1]9100", "[::1", "example.com:80", "127.0.0.1:9x"}) {
    EXPECT_FALSE(parse_listen_endpoint(bad, &err)) << bad;
    EXPECT_NE(err.find("invalid listen address"), std::string::npos) << bad;
  }
}
