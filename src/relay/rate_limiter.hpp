// Per-source-IP token bucket for HOP RESERVE/CONNECT requests, with bounded memory: buckets that have
// refilled completely are forgotten (a fresh bucket is identical), and at most max_tracked IPs are kept.
#pragma once
#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>

#include "relay/ip.hpp"
#include "relay/limits.hpp"

namespace chiral::relay {

class RateLimiter {
 public:
  static constexpr std::size_t kDefaultMaxTracked = 65536;

  // per_minute 0 = off (allow everything, track nothing). burst 0 = per_minute. Both are clamped to
  // kMaxRate so the integer arithmetic (exact, in clock ticks) cannot overflow. IPv6 sources share one
  // bucket per /64 (a single host usually owns a whole /64, so per-address buckets would be free to evade).
  static constexpr std::uint32_t kMaxRate = 100'000'000;
  RateLimiter(std::uint32_t per_minute, std::uint32_t burst, std::size_t max_tracked = kDefaultMaxTracked);

  // Takes one token from ip's bucket; false when it is empty. `now` should not go backwards (if it does,
  // no tokens are added for that call).
  bool allow(const IpAddr& ip, TimePoint now);
  std::size_t tracked() const noexcept { return buckets_.size(); }
  // Forgets buckets that have been idle for a whole refill period (allow() does this too); for a timer.
  void sweep(TimePoint now) { forget_refilled(now); }
  // Existing buckets keep their tokens, clamped to the new burst; turning the limiter off forgets them.
  void set_rate(std::uint32_t per_minute, std::uint32_t burst);
  bool enabled() const noexcept { return per_minute_ != 0; }
  static IpAddr bucket_key(const IpAddr& ip) { return ip.v6 ? ip.masked(64) : ip; }

 private:
  struct Bucket {
    IpAddr key;
    std::uint64_t credit;  // tokens * ticks-per-minute; refills by per_minute per tick
    TimePoint last;        // last refill
  };
  using Lru = std::list<Bucket>;  // least recently touched first

  void forget_refilled(TimePoint now);

  std::uint32_t per_minute_;
  std::uint64_t capacity_ = 0;      // burst * ticks-per-minute
  Clock::duration full_refill_{};  // time from 0 tokens to full
  std::size_t max_tracked_;
  Lru lru_;
  std::unordered_map<IpAddr, Lru::iterator> buckets_;
};

}  // namespace chiral::relay
