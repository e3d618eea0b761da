#include "client/reconnect_policy.hpp"

namespace sc::customer {

DelayRange reconnect_delay_range(unsigned attempt) {
  std::chrono::milliseconds ceiling = kFirstReconnectCeiling;
  for (unsigned i = 0; i < attempt && ceiling < kLastReconnectCeiling; ++i) ceiling *= 2;
  if (ceiling > kLastReconnectCeiling) ceiling = kLastReconnectCeiling;
  return {ceiling / 2, ceiling};
}

std::chrono::milliseconds pick_delay(const DelayRange& range, std::mt19937_64& random) {
  std::uniform_int_distribution<std::chrono::milliseconds::rep> draw(range.shortest.count(),
                                                                     range.longest.count());
  return std::chrono::milliseconds(draw(random));
}

}  // namespace sc::customer
