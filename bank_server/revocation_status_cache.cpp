#include "bank_server/revocation_status_cache.hpp"

#include <spdlog/spdlog.h>

#include "common/app/run_blocking.hpp"

namespace sc::bank {

RevocationStatusCache::RevocationStatusCache(app::TtpClient ttp, std::chrono::seconds time_to_live,
                                             bool fail_open)
    : ttp_(std::move(ttp)), time_to_live_(time_to_live), fail_open_(fail_open) {}

pki::RevocationStatus RevocationStatusCache::check(const pki::Certificate& leaf,
                                                   const pki::Certificate& issuer) {
  std::string serial = leaf.serial_hex();
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    auto cached = entries_.find(serial);
    if (cached != entries_.end() && now - cached->second.fetched_at < time_to_live_) {
      return cached->second.status;
    }
  }
  try {
    pki::RevocationStatus status = app::run_blocking(ttp_.status(leaf, issuer));
    spdlog::info("TTP says certificate serial {} ({}) is {}", serial, leaf.subject_line(),
                 status.is_good()      ? "good"
                 : status.is_revoked() ? "revoked"
                                       : "unknown");
    std::lock_guard lock(mutex_);
    entries_[serial] = {status, now};
    return status;
  } catch (const std::exception& error) {
    spdlog::warn("cannot get the status of serial {} from the TTP at {}: {}; policy: fail {}",
                 serial, ttp_.endpoint().label(), error.what(), fail_open_ ? "open" : "closed");
    return pki::RevocationStatus::unknown();
  }
}

}  // namespace sc::bank
