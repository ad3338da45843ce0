#include "net/splice.hpp"

#include <vector>

#include "net/signal.hpp"

namespace chiral::net {

namespace {

constexpr std::size_t kSpliceChunk = 64 * 1024;

struct Shared {
  SpliceResult result;
  bool stopped = false;  // a direction ended the circuit abnormally
  std::size_t running = 2;
};

void stop_circuit(Shared& sh, Stream& a, Stream& b, SpliceEnd why) {
  if (sh.stopped) return;
  sh.stopped = true;
  sh.result.end = why;
  a.reset();
  b.reset();
}

awaitable<void> pump(StreamPtr from, StreamPtr to, bool a_to_b, std::uint64_t limit, std::shared_ptr<Shared> sh,
                     std::function<void(bool, std::size_t)>* on_bytes, std::shared_ptr<Signal> done) {
  std::vector<std::uint8_t> buf(kSpliceChunk);
  std::uint64_t& count = a_to_b ? sh->result.a_to_b : sh->result.b_to_a;
  Stream& a = a_to_b ? *from : *to;
  Stream& b = a_to_b ? *to : *from;
  for (;;) {
    auto n = co_await from->read_some(buf);
    if (!n) {
      if (n.error() == asio::error::eof && !sh->stopped) {
        to->close_write();  // half-close travels through the circuit
      } else {
        stop_circuit(*sh, a, b, SpliceEnd::reset);
      }
      break;
    }
    std::size_t forward = *n;
    bool over = false;
    if (limit != 0 && count + forward > limit) {
      forward = static_cast<std::size_t>(limit - count);
      over = true;
    }
    if (forward > 0) {
      if (co_await to->write({buf.data(), forward})) {
        stop_circuit(*sh, a, b, SpliceEnd::reset);
        break;
      }
      count += forward;
      if (*on_bytes) (*on_bytes)(a_to_b, forward);
    }
    if (over) {
      stop_circuit(*sh, a, b, SpliceEnd::data_limit);
      break;
    }
  }
  if (--sh->running == 0) done->notify();
}

}  // namespace

const char* splice_end_label(SpliceEnd e) {
  switch (e) {
    case SpliceEnd::closed: return "closed";
    case SpliceEnd::reset: return "reset";
    case SpliceEnd::data_limit: return "data_limit";
    case SpliceEnd::duration_limit: return "duration_limit";
  }
  return "unknown";
}

awaitable<SpliceResult> splice(StreamPtr a, StreamPtr b, SpliceLimits limits,
                               std::function<void(bool a_to_b, std::size_t n)> on_bytes) {
  auto ex = co_await asio::this_coro::executor;
  auto sh = std::make_shared<Shared>();
  auto done = std::make_shared<Signal>(ex);
  // A reset of either end must end the circuit even while both pumps wait on the other stream (e.g. the
  // source resets while the relay waits for a non-reading target's window): otherwise the slot leaks.
  std::function<void()> on_reset = [sh, wa = std::weak_ptr<Stream>(a), wb = std::weak_ptr<Stream>(b)] {
    auto pa = wa.lock();
    auto pb = wb.lock();
    if (pa && pb) stop_circuit(*sh, *pa, *pb, SpliceEnd::reset);
  };
  a->set_reset_hook(on_reset);
  b->set_reset_hook(on_reset);
  asio::co_spawn(ex, pump(a, b, true, limits.data_per_direction, sh, &on_bytes, done), asio::detached);
  asio::co_spawn(ex, pump(b, a, false, limits.data_per_direction, sh, &on_bytes, done), asio::detached);
  std::optional<Watchdog> deadline;
  if (limits.duration.count() > 0) {
    deadline.emplace(ex, limits.duration, [sh, a, b] { stop_circuit(*sh, *a, *b, SpliceEnd::duration_limit); });
  }
  while (sh->running > 0) co_await done->wait();
  a->set_reset_hook(nullptr);
  b->set_reset_hook(nullptr);
  co_return sh->result;
}

}  // namespace chiral::net
