#pragma once
// When the daemon tries again after the bank or the network went away: exponential backoff
// with jitter, so that a thousand devices cut off by one bank restart do not all come back in
// the same second. The ceiling doubles from 1 s up to 60 s; the delay is drawn uniformly from
// the upper half of it ("equal jitter"), so it is never zero and never spins.
#include <chrono>
#include <random>

namespace sc::customer {

struct DelayRange {
  std::chrono::milliseconds shortest;
  std::chrono::milliseconds longest;
};

inline constexpr std::chrono::milliseconds kFirstReconnectCeiling{1000};
inline constexpr std::chrono::milliseconds kLastReconnectCeiling{60'000};

// attempt 0 is the first retry after a failure: [500 ms, 1 s], then [1 s, 2 s], [2 s, 4 s], ...
// up to [30 s, 60 s] for every attempt after that.
DelayRange reconnect_delay_range(unsigned attempt);

// A delay drawn uniformly from range.
std::chrono::milliseconds pick_delay(const DelayRange& range, std::mt19937_64& random);

}  // namespace sc::customer
