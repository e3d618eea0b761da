#include "ttp/rate_limiter.hpp"

#include <algorithm>
#include <stdexcept>

namespace sc::ttp {

std::optional<std::string> RateLimit::problem() const {
  if (!(per_second > 0)) return std::string("the rate must be above 0 requests per second");
  if (!(burst >= 1)) return std::string("the burst must allow at least 1 request");
  return std::nullopt;
}

TokenBucket::TokenBucket(RateLimit limit, SteadyTime now)
    : limit_(limit), tokens_(limit.burst), refilled_at_(now), last_seen_(now) {}

double TokenBucket::tokens_at(SteadyTime now) const {
  if (now <= refilled_at_) return tokens_;
  const double elapsed = std::chrono::duration<double>(now - refilled_at_).count();
  return std::min(limit_.burst, tokens_ + elapsed * limit_.per_second);
}

bool TokenBucket::try_take(SteadyTime now) {
  tokens_ = tokens_at(now);
  refilled_at_ = std::max(refilled_at_, now);
  last_seen_ = std::max(last_seen_, now);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

bool TokenBucket::is_full_at(SteadyTime now) const {
  return tokens_at(now) >= limit_.burst;
}

RateLimiter::RateLimiter(RateLimit limit, std::size_t max_addresses, SteadyTimeSource clock)
    : limit_(limit),
      max_addresses_(std::max<std::size_t>(1, max_addresses)),
      clock_(std::move(clock)) {
  if (const auto problem = limit_.problem()) throw std::invalid_argument(*problem);
}

Admission RateLimiter::admit(const std::string& address) {
  std::lock_guard lock(mutex_);
  const SteadyTime now = clock_();
  auto found = sources_.find(address);
  if (found == sources_.end()) {
    make_room(now);
    found = sources_.emplace(address, Source{TokenBucket(limit_, now), false}).first;
  }
  Source& source = found->second;
  if (source.bucket.try_take(now)) {
    source.limited = false;
    return Admission::Admitted;
  }
  const bool first_refusal = !source.limited;
  source.limited = true;
  return first_refusal ? Admission::StartsLimit : Admission::Limited;
}

void RateLimiter::make_room(SteadyTime now) {
  if (sources_.size() < max_addresses_) return;
  // A bucket that has refilled is equivalent to a new one: forgetting it loses nothing.
  std::erase_if(sources_, [now](const auto& entry) { return entry.second.bucket.is_full_at(now); });
  if (sources_.size() < max_addresses_) return;
  const auto oldest =
      std::min_element(sources_.begin(), sources_.end(), [](const auto& a, const auto& b) {
        return a.second.bucket.last_seen() < b.second.bucket.last_seen();
      });
  sources_.erase(oldest);
}

std::size_t RateLimiter::tracked_addresses() const {
  std::lock_guard lock(mutex_);
  return sources_.size();
}

}  // namespace sc::ttp
