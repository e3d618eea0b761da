#include "common/app/certificate_renewer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>

#include "common/crypto/random.hpp"

namespace sc::app {
namespace {

// Refusals the TTP would repeat: retrying cannot help, a new enrollment (token) is needed.
bool is_final_refusal(const std::string& code) {
  static const std::set<std::string> final_codes{"certificate-revoked", "certificate-expired",
                                                 "unknown-certificate", "not-renewable",
                                                 "bad-certificate",     "subject-mismatch"};
  return final_codes.count(code) != 0;
}

std::uint64_t random_word() {
  const Bytes bytes = crypto::random_bytes(8);
  std::uint64_t value = 0;
  for (const auto byte : bytes) value = (value << 8) | byte;
  return value;
}

std::chrono::steady_clock::duration until(pki::TimePoint when) {
  const auto left = when - std::chrono::system_clock::now();
  if (left <= pki::TimePoint::duration::zero()) return std::chrono::steady_clock::duration::zero();
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(left);
}

}  // namespace

CertificateRenewer::CertificateRenewer(TtpClient ttp, Identity current, RenewalSettings settings,
                                       OnRenewed on_renewed)
    : ttp_(std::move(ttp)),
      settings_(settings),
      on_renewed_(std::move(on_renewed)),
      current_(std::move(current)) {}

Identity CertificateRenewer::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

void CertificateRenewer::start(net::asio::io_context& io) {
  auto strand = net::asio::make_strand(io);
  auto timer = std::make_shared<net::asio::steady_timer>(strand);
  timer_ = timer;
  net::asio::co_spawn(strand, renew_loop(std::move(timer)), net::asio::detached);
}

void CertificateRenewer::stop() {
  stopping_ = true;
  if (auto timer = timer_.lock()) {
    net::asio::post(timer->get_executor(), [timer] { timer->cancel(); });
  }
}

net::asio::awaitable<void> CertificateRenewer::renew_loop(
    std::shared_ptr<net::asio::steady_timer> timer) {
  auto self = shared_from_this();
  std::chrono::milliseconds retry = settings_.first_retry;
  Identity identity = current();
  pki::TimePoint due =
      renewal_due_with_jitter(identity.certificate, settings_.jitter, random_word());
  spdlog::info("certificate serial {} (valid until {}) will be renewed at {}",
               identity.certificate.serial_hex(),
               pki::format_time(identity.certificate.not_after()), pki::format_time(due));
  while (!stopping_) {
    timer->expires_after(until(due));
    boost::system::error_code waited;
    co_await timer->async_wait(net::asio::redirect_error(net::asio::use_awaitable, waited));
    if (stopping_) break;
    if (std::chrono::system_clock::now() >= identity.certificate.not_after()) {
      spdlog::error(
          "certificate serial {} expired on {} before it could be renewed: enroll "
          "again with a token",
          identity.certificate.serial_hex(), pki::format_time(identity.certificate.not_after()));
      break;
    }
    spdlog::info("renewing certificate serial {} with the TTP at {} ({})",
                 identity.certificate.serial_hex(), ttp_.endpoint().label(),
                 renewal_key_word(settings_.key));
    std::string failure;
    std::string refusal_code;
    try {
      Identity renewed = co_await renew_identity(ttp_, identity, settings_.key);
      {
        std::lock_guard lock(mutex_);
        current_ = renewed;
      }
      ++renewals_;
      identity = std::move(renewed);
      retry = settings_.first_retry;
      if (on_renewed_) on_renewed_(identity);
      due = renewal_due_with_jitter(identity.certificate, settings_.jitter, random_word());
      spdlog::info("new certificate serial {} is in use for new channels; next renewal at {}",
                   identity.certificate.serial_hex(), pki::format_time(due));
      continue;
    } catch (const TtpRefusal& refused) {
      failure = refused.what();
      refusal_code = refused.code();
    } catch (const std::exception& error) {
      failure = error.what();
    }
    if (is_final_refusal(refusal_code)) {
      spdlog::error(
          "the TTP refuses to renew certificate serial {} ({}: {}); it stays in use "
          "until {}, then enroll again with a token",
          identity.certificate.serial_hex(), refusal_code, failure,
          pki::format_time(identity.certificate.not_after()));
      break;
    }
    spdlog::warn("renewal of certificate serial {} failed ({}); retrying in {} ms",
                 identity.certificate.serial_hex(), failure, retry.count());
    due = std::chrono::system_clock::now() + retry;
    retry = std::min(retry * 2, settings_.max_retry);
  }
}

}  // namespace sc::app
