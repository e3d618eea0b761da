#pragma once
// Keeps a daemon's certificate renewed (docs/TTP.md, "Renewal"): once two thirds of its
// lifetime have passed (+-5% jitter) it renews it with the TTP's RENEW, authenticated with the
// certificate itself (no token), writes the new key and chain atomically (enrollment.hpp,
// renew_identity) and hands the new identity to on_renewed, which swaps it in for NEW channels
// (channels already open keep theirs). A failure is retried with exponential backoff (1 s to
// 5 min) while the certificate is valid; a refusal that asking again cannot change (revoked,
// expired, unknown to the TTP) stops the renewer with an error in the log.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "common/app/enrollment.hpp"
#include "common/app/ttp_client.hpp"
#include "common/net/asio.hpp"

namespace sc::app {

struct RenewalSettings {
  RenewalKey key = RenewalKey::new_key;
  double jitter = 0.05;  // of the lifetime, either way
  std::chrono::milliseconds first_retry{1000};
  std::chrono::milliseconds max_retry{5 * 60 * 1000};
};

class CertificateRenewer : public std::enable_shared_from_this<CertificateRenewer> {
 public:
  // Called on the renewer's strand after the new identity was written to disk.
  using OnRenewed = std::function<void(const Identity& renewed)>;

  CertificateRenewer(TtpClient ttp, Identity current, RenewalSettings settings,
                     OnRenewed on_renewed);

  // Renews from the io_context (a coroutine on its own strand) until stop(), which is
  // thread-safe and lets io.run() return.
  void start(net::asio::io_context& io);
  void stop();

  Identity current() const;  // thread-safe
  std::uint64_t renewals() const { return renewals_.load(); }

 private:
  net::asio::awaitable<void> renew_loop(std::shared_ptr<net::asio::steady_timer> timer);

  TtpClient ttp_;
  RenewalSettings settings_;
  OnRenewed on_renewed_;
  mutable std::mutex mutex_;
  Identity current_;
  std::atomic<std::uint64_t> renewals_{0};
  // As OcspStapler: the timer lives in the coroutine's frame, which the io_context owns.
  std::weak_ptr<net::asio::steady_timer> timer_;
  std::atomic<bool> stopping_{false};
};

}  // namespace sc::app
