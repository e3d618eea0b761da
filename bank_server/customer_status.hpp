#pragma once
// Is a customer's certificate revoked? Asked once per channel, after the handshake and before
// the channel is served, for customers that did not staple a good OCSP response.
//
// Nothing blocks a thread: a lookup is a coroutine that suspends only the channel that waits
// for it. Concurrent channels of one certificate share one lookup at the TTP (coalesced);
// answers are cached (good ones for the status cache time but never past the response's
// nextUpdate, revocations for good), failures briefly, so that a stopped TTP costs each
// channel at most `wait_limit` and then, for a while, nothing. When the status cannot be
// established the policy decides: fail closed (default: the channel is refused with
// certificate_unknown) or fail open (admitted, logged).
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/app/ttp_client.hpp"
#include "common/net/asio.hpp"
#include "common/pki/certificate.hpp"
#include "common/pki/revocation.hpp"
#include "common/tls/alert.hpp"

namespace sc::bank {

enum class UnknownStatusPolicy { fail_closed, fail_open };

struct CustomerStatusOptions {
  std::chrono::seconds good_for{60};           // a good answer is reused this long
  std::chrono::seconds failure_for{10};        // a failed lookup is remembered this long
  std::chrono::milliseconds wait_limit{5000};  // a channel waits at most this for a lookup
  UnknownStatusPolicy unknown = UnknownStatusPolicy::fail_closed;
  std::size_t max_entries = 100'000;  // cache bound (the oldest half goes when full)
};

struct StatusVerdict {
  bool admitted = false;
  tls::AlertDescription alert = tls::AlertDescription::certificate_unknown;  // when refused
  std::string sentence;  // why, for the log (and the refusal)
};

// Fetches the TTP's signed OCSP response (DER) for a certificate; throws when it cannot.
using StatusFetcher =
    std::function<net::asio::awaitable<Bytes>(const pki::Certificate& certificate)>;

class CustomerStatusService : public std::enable_shared_from_this<CustomerStatusService> {
 public:
  CustomerStatusService(StatusFetcher fetch, CustomerStatusOptions options);

  // The verdict for leaf (issued by issuer). Runs on the caller's executor; thread-safe.
  net::asio::awaitable<StatusVerdict> check(const pki::Certificate& leaf,
                                            const pki::Certificate& issuer);

  // What the cache already knows to refuse (a revocation seen earlier), without any lookup:
  // checked even for a customer whose stapled response still says good.
  std::optional<StatusVerdict> known_revocation(const pki::Certificate& leaf);

  std::size_t lookups_started() const;  // at the TTP, for tests and logs

 private:
  enum class Outcome { good, revoked, failed };
  struct Answer {
    Outcome outcome = Outcome::failed;
    pki::RevocationStatus status;
    std::string failure;  // when failed
    std::chrono::steady_clock::time_point expires;
  };
  struct Lookup {
    std::optional<Answer> answer;
    std::vector<std::function<void()>> wake;  // posted to each waiting channel
  };

  net::asio::awaitable<void> run_lookup(std::string serial, pki::Certificate leaf,
                                        pki::Certificate issuer, std::shared_ptr<Lookup> lookup);
  Answer ask_ttp_result(const Bytes& der, const pki::Certificate& leaf,
                        const pki::Certificate& issuer) const;
  std::optional<Answer> cached_locked(const std::string& serial,
                                      std::chrono::steady_clock::time_point now);
  void remember_locked(const std::string& serial, const Answer& answer);
  StatusVerdict verdict(const Answer& answer, const pki::Certificate& leaf) const;
  StatusVerdict unknown_verdict(const pki::Certificate& leaf, const std::string& why) const;

  StatusFetcher fetch_;
  CustomerStatusOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, Answer> cache_;                     // by serial
  std::map<std::string, std::shared_ptr<Lookup>> pending_;  // by serial
  std::size_t lookups_started_ = 0;
};

}  // namespace sc::bank
