// Token buckets per source IP with an LRU list: touched buckets move to the back, so buckets idle for a
// whole refill period form a prefix at the front and are dropped in amortised O(1). Credit is kept in
// integer units (1 token = one minute of clock ticks) so refills are exact.
#include "relay/rate_limiter.hpp"

#include <algorithm>
#include <iterator>

namespace chiral::relay {

namespace {
constexpr std::uint64_t kTicksPerMinute =
    static_cast<std::uint64_t>(std::chrono::duration_cast<Clock::duration>(std::chrono::minutes(1)).count());
}  // namespace

RateLimiter::RateLimiter(std::uint32_t per_minute, std::uint32_t burst, std::size_t max_tracked)
    : per_minute_(0), max_tracked_(std::max<std::size_t>(max_tracked, 1)) {
  set_rate(per_minute, burst);
}

void RateLimiter::set_rate(std::uint32_t per_minute, std::uint32_t burst) {
  per_minute_ = std::min(per_minute, kMaxRate);
  if (per_minute_ == 0) {
    lru_.clear();
    buckets_.clear();
    capacity_ = 0;
    full_refill_ = {};
    return;
  }
  const std::uint64_t tokens = std::min(burst == 0 ? per_minute_ : burst, kMaxRate);
  capacity_ = tokens * kTicksPerMinute;  // <= 1e8 * 6e10 < 2^63
  full_refill_ = Clock::duration(static_cast<Clock::rep>((capacity_ + per_minute_ - 1) / per_minute_));
  for (auto& b : lru_) b.credit = std::min(b.credit, capacity_);
}

void RateLimiter::forget_refilled(TimePoint now) {
  while (!lru_.empty() && now - lru_.front().last >= full_refill_) {
    buckets_.erase(lru_.front().key);
    lru_.pop_front();
  }
}

bool RateLimiter::allow(const IpAddr& ip, TimePoint now) {
  if (per_minute_ == 0) return true;
  forget_refilled(now);
  const IpAddr key = bucket_key(ip);
  auto it = buckets_.find(key);
  Lru::iterator b;
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_tracked_) {  // evict the stalest
      buckets_.erase(lru_.front().key);
      lru_.pop_front();
    }
    lru_.push_back(Bucket{key, capacity_, now});
    b = std::prev(lru_.end());
    buckets_.emplace(key, b);
  } else {
    b = it->second;
    if (now > b->last) {
      const auto elapsed = now - b->last;
      // elapsed < full_refill_ keeps elapsed * per_minute below capacity_ + per_minute: no overflow.
      b->credit = elapsed >= full_refill_
                      ? capacity_
                      : std::min(capacity_, b->credit + static_cast<std::uint64_t>(elapsed.count()) * per_minute_);
      b->last = now;
    }
    lru_.splice(lru_.end(), lru_, b);
  }
  if (b->credit < kTicksPerMinute) return false;
  b->credit -= kTicksPerMinute;
  return true;
}

}  // namespace chiral::relay
