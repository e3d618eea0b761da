#pragma once
// Per-source rate limits for the TTP's requests that cost a signature or a disk write
// (STATUS/OCSP, ENROLL): one token bucket per source IP address. A bucket holds at most
// `burst` tokens, refills at `per_second`, and each admitted request takes one token. The
// clock is injected so that tests step time by hand. The number of tracked addresses is
// bounded: buckets that have refilled completely (idle long enough to be equivalent to a new
// bucket) are evicted first, then the least recently used one.
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace sc::ttp {

using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;
// Where the service reads the time (steady_clock::now in the daemon, a hand-stepped clock in
// tests).
using SteadyTimeSource = std::function<SteadyTime()>;

struct RateLimit {
  double per_second = 50;  // tokens added per second (> 0)
  double burst = 100;      // bucket capacity (>= 1)

  // nullopt when usable, else a sentence ("the rate must be above 0 per second").
  std::optional<std::string> problem() const;
};

class TokenBucket {
 public:
  // A new bucket is full.
  TokenBucket(RateLimit limit, SteadyTime now);

  // Takes one token when there is one (after refilling for the time since the last call).
  bool try_take(SteadyTime now);
  // True when the bucket would be full at `now`: forgetting it changes nothing.
  bool is_full_at(SteadyTime now) const;
  SteadyTime last_seen() const { return last_seen_; }

 private:
  double tokens_at(SteadyTime now) const;

  RateLimit limit_;
  double tokens_;
  SteadyTime refilled_at_;
  SteadyTime last_seen_;
};

// What RateLimiter::admit decided.
enum class Admission {
  Admitted,
  Limited,      // over the limit, and already over it at the previous request
  StartsLimit,  // the first refusal after admitted requests: worth one line in the log
};

class RateLimiter {
 public:
  static constexpr std::size_t default_max_addresses = 4096;

  explicit RateLimiter(RateLimit limit, std::size_t max_addresses = default_max_addresses,
                       SteadyTimeSource clock = &SteadyClock::now);

  // Thread-safe: one token from the bucket of `address`.
  Admission admit(const std::string& address);
  std::size_t tracked_addresses() const;
  const RateLimit& limit() const { return limit_; }

 private:
  struct Source {
    TokenBucket bucket;
    bool limited = false;
  };
  void make_room(SteadyTime now);

  RateLimit limit_;
  std::size_t max_addresses_;
  SteadyTimeSource clock_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Source> sources_;
};

}  // namespace sc::ttp
