// Signal: a coroutine wake-up primitive for one connection's strand (a timer used as a condition
// variable). Waiters must re-check their condition after waking; notify() with no waiter is a no-op.
#pragma once
#include <memory>

#include "net/asio.hpp"

namespace chiral::net {

class Signal {
 public:
  explicit Signal(const asio::any_io_executor& ex) : timer_(ex, Clock::time_point::max()) {}
  awaitable<void> wait() { co_await timer_.async_wait(use_nothrow); }
  void notify() { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
};

// Watchdog: closes a socket (or runs an action) when a deadline passes; disarmed by destruction.
// Every handshake step runs under one. The shared flag guards against a completion already queued.
class Watchdog {
 public:
  template <class Action>
  Watchdog(const asio::any_io_executor& ex, Clock::duration timeout, Action action)
      : timer_(ex), armed_(std::make_shared<bool>(true)), fired_(std::make_shared<bool>(false)) {
    timer_.expires_after(timeout);
    timer_.async_wait([armed = armed_, fired = fired_, action = std::move(action)](boost::system::error_code ec) mutable {
      if (!ec && *armed) {
        *fired = true;
        action();
      }
    });
  }
  ~Watchdog() {
    *armed_ = false;
    timer_.cancel();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  bool fired() const { return *fired_; }

 private:
  asio::steady_timer timer_;
  std::shared_ptr<bool> armed_;
  std::shared_ptr<bool> fired_;
};

}  // namespace chiral::net
