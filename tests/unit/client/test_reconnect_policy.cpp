// The daemon's backoff: never zero (no spinning), doubling from 1 s, capped at 60 s, jittered.
#include <catch2/catch.hpp>

#include "client/reconnect_policy.hpp"

using namespace sc::customer;
using namespace std::chrono_literals;

TEST_CASE("the reconnect delay doubles from 1 s up to 60 s", "[client][reconnect]") {
  CHECK(reconnect_delay_range(0).shortest == 500ms);
  CHECK(reconnect_delay_range(0).longest == 1s);
  CHECK(reconnect_delay_range(1).longest == 2s);
  CHECK(reconnect_delay_range(2).longest == 4s);
  CHECK(reconnect_delay_range(5).longest == 32s);
  CHECK(reconnect_delay_range(6).longest == 60s);
  CHECK(reconnect_delay_range(6).shortest == 30s);
  CHECK(reconnect_delay_range(1000).longest == 60s);
  CHECK(reconnect_delay_range(~0u).longest == 60s);
  for (unsigned attempt = 0; attempt < 100; ++attempt) {
    const DelayRange range = reconnect_delay_range(attempt);
    CHECK(range.shortest > 0ms);
    CHECK(range.shortest <= range.longest);
    CHECK(range.longest <= 60s);
    if (attempt > 0) CHECK(range.longest >= reconnect_delay_range(attempt - 1).longest);
  }
}

TEST_CASE("delays are drawn within the range and spread across it", "[client][reconnect]") {
  std::mt19937_64 random(42);
  const DelayRange range = reconnect_delay_range(4);  // [8 s, 16 s]
  std::chrono::milliseconds lowest = range.longest;
  std::chrono::milliseconds highest = range.shortest;
  for (int i = 0; i < 1000; ++i) {
    const auto delay = pick_delay(range, random);
    REQUIRE(delay >= range.shortest);
    REQUIRE(delay <= range.longest);
    lowest = std::min(lowest, delay);
    highest = std::max(highest, delay);
  }
  // Jitter: a thousand devices do not all come back at the same millisecond.
  CHECK(highest - lowest > 4s);
}
