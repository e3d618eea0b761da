#pragma once
// The bank asks the TTP whether a customer's certificate is revoked (OCSP, verified), and
// keeps each answer for a configurable time. When the TTP cannot be reached the policy
// decides: fail closed (default: the customer is refused with certificate_unknown) or fail
// open (accepted, and logged as such).
#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "common/app/ttp_client.hpp"
#include "common/pki/certificate.hpp"
#include "common/pki/revocation.hpp"

namespace sc::bank {

class RevocationStatusCache {
 public:
  RevocationStatusCache(app::TtpClient ttp, std::chrono::seconds time_to_live, bool fail_open);

  // Blocking (one TLS exchange with the TTP on a cache miss); thread-safe.
  pki::RevocationStatus check(const pki::Certificate& leaf, const pki::Certificate& issuer);

  bool fail_open() const { return fail_open_; }

 private:
  struct Entry {
    pki::RevocationStatus status;
    std::chrono::steady_clock::time_point fetched_at;
  };

  app::TtpClient ttp_;
  std::chrono::seconds time_to_live_;
  bool fail_open_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // by serial (hex)
};

}  // namespace sc::bank
