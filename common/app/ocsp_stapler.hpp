#pragma once
// Keeps a fresh OCSP response for our own certificate, signed by the TTP, to staple in our
// handshakes (RFC 8446 section 4.4.2.1, RFC 6066 section 8): the peer then learns that our
// certificate is not revoked without asking the TTP itself.
//
// The response comes from the TTP's STATUS command (answered from its cache, one signature per
// certificate and validity period), is verified as a peer would verify it (signed by our
// issuer, our serial, nextUpdate ahead), kept in memory and in FOLDER/ocsp.der, so that a
// one-shot client reuses it instead of asking the TTP each time. It is refreshed once three
// quarters of its validity have passed; when the TTP cannot be reached the stapler retries with
// exponential backoff (1 s to 60 s) and keeps stapling the old response while it is valid.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

#include "common/app/ttp_client.hpp"
#include "common/net/asio.hpp"
#include "common/pki/certificate.hpp"
#include "common/tls/engine.hpp"

namespace sc::app {

class OcspStapler : public std::enable_shared_from_this<OcspStapler> {
 public:
  static constexpr const char* cache_file_name = "ocsp.der";

  OcspStapler(TtpClient ttp, pki::Certificate certificate, pki::Certificate issuer,
              std::filesystem::path cache_file);

  // The response to staple now: nullopt when none is valid. Thread-safe.
  std::optional<Bytes> current() const;
  // current() as the engines' staple source (keeps the stapler alive).
  tls::OcspStapleSource source();

  // Takes FOLDER/ocsp.der when it is still fresh (less than three quarters of its validity
  // passed),
  // else asks the TTP now (blocking, bounded by the TTP endpoint's timeouts). True when a
  // valid response is at hand; never throws (says in the log why not).
  bool refresh_now_blocking();

  // Keeps the response fresh from the io_context (a coroutine on its own strand) until
  // stop(), which is thread-safe and lets io.run() return.
  void start(net::asio::io_context& io);
  void stop();

 private:
  enum class Freshness { missing, stale, fresh };
  struct Held {
    Bytes der;
    pki::TimePoint this_update;
    pki::TimePoint next_update;
  };

  net::asio::awaitable<void> refresh_loop(std::shared_ptr<net::asio::steady_timer> timer);
  net::asio::awaitable<bool> fetch_once();
  // Verifies der for our certificate and keeps it; false (logged) when it cannot be used.
  bool adopt(const Bytes& der, const char* origin);
  bool load_cached_file();
  Freshness freshness(pki::TimePoint now) const;
  pki::TimePoint refresh_point_locked() const;
  std::chrono::system_clock::duration time_until_refresh(pki::TimePoint now) const;

  TtpClient ttp_;
  pki::Certificate certificate_;
  pki::Certificate issuer_;
  std::filesystem::path cache_file_;
  mutable std::mutex mutex_;
  std::optional<Held> held_;
  // The timer lives in the refresh coroutine's frame, which the io_context owns: the stapler may
  // outlive the io_context (a daemon's main holds it), the timer must not.
  std::weak_ptr<net::asio::steady_timer> timer_;
  std::atomic<bool> stopping_{false};
};

}  // namespace sc::app
