#pragma once
// The alert a piece of protocol code refuses its input with, for tests of decoders and checks.
#include <catch2/catch.hpp>
#include <functional>

#include "common/tls/alert.hpp"

namespace sc::tls::testing {

// The alert of the ProtocolError that action throws; fails the test if it throws none.
inline AlertDescription alert_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const ProtocolError& error) {
    return error.alert();
  }
  FAIL("no ProtocolError thrown");
  return AlertDescription::close_notify;
}

}  // namespace sc::tls::testing
