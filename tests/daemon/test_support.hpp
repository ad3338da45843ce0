// Helpers shared by the tests against the daemon binary: a scratch directory, a quiet client host config,
// a driver that runs one coroutine body on a fresh io_context, and a log poll that keeps that loop running.
#pragma once
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>

#include "daemon_process.hpp"
#include "net/host.hpp"

namespace chiral::testing {

// A fresh directory under the system temp dir, removed with everything in it.
struct Dir {
  explicit Dir(const std::string& tag = "chiral-daemon-test")
      : path(std::filesystem::temp_directory_path() / (tag + "-" + std::to_string(std::random_device{}()))) {
    std::filesystem::create_directories(path);
  }
  ~Dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
  std::filesystem::path path;
};

// Client hosts in tests: no keep-alive pings (they would only add noise to the daemon's log).
inline net::HostConfig quiet() {
  net::HostConfig hc;
  hc.connection.keepalive_interval = net::Clock::duration::zero();
  return hc;
}

// Runs `body(io)` as a coroutine on a new io_context until it finishes; fails the test after `limit`.
template <class F>
void run(F body, std::chrono::seconds limit = std::chrono::seconds(60)) {
  net::asio::io_context io;
  bool finished = false;
  net::asio::co_spawn(io, [&]() -> net::awaitable<void> {
    co_await body(io);
    finished = true;
    io.stop();
  }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
  io.run_for(limit);
  ASSERT_TRUE(finished);
}

// Polls the daemon's log for `needle` every 20 ms without blocking the test's io loop.
inline net::awaitable<bool> log_has(DaemonProcess& d, const char* needle, std::chrono::milliseconds limit) {
  net::asio::steady_timer t(co_await net::asio::this_coro::executor);
  const auto deadline = net::Clock::now() + limit;
  while (d.log().find(needle) == std::string::npos) {
    if (net::Clock::now() >= deadline) co_return false;
    t.expires_after(std::chrono::milliseconds(20));
    co_await t.async_wait(net::use_nothrow);
  }
  co_return true;
}

}  // namespace chiral::testing
