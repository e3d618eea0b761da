#include "common/app/ocsp_stapler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "common/app/run_blocking.hpp"
#include "common/pki/pem_file.hpp"
#include "common/pki/revocation.hpp"

namespace sc::app {
namespace {

constexpr std::chrono::seconds kFirstRetry{1};
constexpr std::chrono::seconds kLongestRetry{60};

const char* status_word(const pki::RevocationStatus& status) {
  if (status.is_good()) return "good";
  if (status.is_revoked()) return "REVOKED";
  return "unknown";
}

std::optional<Bytes> read_binary_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

OcspStapler::OcspStapler(TtpClient ttp, pki::Certificate certificate, pki::Certificate issuer,
                         std::filesystem::path cache_file)
    : ttp_(std::move(ttp)),
      certificate_(std::move(certificate)),
      issuer_(std::move(issuer)),
      cache_file_(std::move(cache_file)) {}

std::optional<Bytes> OcspStapler::current() const {
  std::lock_guard lock(mutex_);
  if (!held_ || std::chrono::system_clock::now() >= held_->next_update) return std::nullopt;
  return held_->der;
}

tls::OcspStapleSource OcspStapler::source() {
  return [self = shared_from_this()] { return self->current(); };
}

// Three quarters into the validity: the TTP re-signs a cached response once half of its
// validity has passed, so what it hands out then is fresher than ours.
pki::TimePoint OcspStapler::refresh_point_locked() const {
  // In whole seconds: a response may span centuries, beyond what nanoseconds can subtract.
  using std::chrono::seconds;
  const auto since_epoch = [](pki::TimePoint t) {
    return std::chrono::duration_cast<seconds>(t.time_since_epoch());
  };
  const seconds span =
      std::max(seconds(0), since_epoch(held_->next_update) - since_epoch(held_->this_update));
  return held_->next_update - span / 4;
}

OcspStapler::Freshness OcspStapler::freshness(pki::TimePoint now) const {
  std::lock_guard lock(mutex_);
  if (!held_ || now >= held_->next_update) return Freshness::missing;
  return now < refresh_point_locked() ? Freshness::fresh : Freshness::stale;
}

std::chrono::system_clock::duration OcspStapler::time_until_refresh(pki::TimePoint now) const {
  std::lock_guard lock(mutex_);
  if (!held_) return std::chrono::system_clock::duration::zero();
  const auto refresh_at = refresh_point_locked();
  return refresh_at > now ? refresh_at - now : std::chrono::system_clock::duration::zero();
}

bool OcspStapler::adopt(const Bytes& der, const char* origin) {
  try {
    const pki::RevocationStatus status =
        pki::verify_stapled_ocsp_response(der, certificate_, issuer_);
    const pki::OcspResponseTimes times = pki::ocsp_response_times(der);
    if (!times.next_update) throw std::runtime_error("the response has no nextUpdate");
    if (status.is_revoked()) {
      spdlog::error(
          "the TTP says our certificate (serial {}) is REVOKED ({}): peers will refuse it",
          certificate_.serial_hex(), pki::revocation_reason_name(status.reason));
    }
    {
      std::lock_guard lock(mutex_);
      held_ = Held{der, times.this_update, *times.next_update};
    }
    spdlog::info("OCSP staple for our certificate (serial {}) from {}: {}, valid until {}",
                 certificate_.serial_hex(), origin, status_word(status),
                 pki::format_time(*times.next_update));
    return true;
  } catch (const std::exception& error) {
    spdlog::warn("the OCSP response from {} cannot be stapled: {}", origin, error.what());
    return false;
  }
}

bool OcspStapler::load_cached_file() {
  auto der = read_binary_file(cache_file_);
  if (!der || der->empty()) return false;
  if (!adopt(*der, cache_file_.c_str())) return false;
  return freshness(std::chrono::system_clock::now()) == Freshness::fresh;
}

net::asio::awaitable<bool> OcspStapler::fetch_once() {
  try {
    Bytes der = co_await ttp_.fetch_status_response(certificate_);
    if (!adopt(der, "the TTP")) co_return false;
    try {
      pki::write_text_file_atomically(
          cache_file_, std::string_view(reinterpret_cast<const char*>(der.data()), der.size()));
    } catch (const std::exception& error) {
      spdlog::warn("cannot keep the OCSP staple in {}: {}", cache_file_.string(), error.what());
    }
    co_return true;
  } catch (const std::exception& error) {
    spdlog::warn("cannot fetch the OCSP staple for serial {} from the TTP at {}: {}",
                 certificate_.serial_hex(), ttp_.endpoint().label(), error.what());
    co_return false;
  }
}

bool OcspStapler::refresh_now_blocking() {
  if (load_cached_file()) return true;
  if (run_blocking(fetch_once())) return true;
  return current().has_value();
}

void OcspStapler::start(net::asio::io_context& io) {
  auto strand = net::asio::make_strand(io);
  auto timer = std::make_shared<net::asio::steady_timer>(strand);
  timer_ = timer;
  net::asio::co_spawn(strand, refresh_loop(std::move(timer)), net::asio::detached);
}

void OcspStapler::stop() {
  stopping_ = true;
  if (auto timer = timer_.lock()) {
    net::asio::post(timer->get_executor(), [timer] { timer->cancel(); });
  }
}

net::asio::awaitable<void> OcspStapler::refresh_loop(
    std::shared_ptr<net::asio::steady_timer> timer) {
  auto self = shared_from_this();
  std::chrono::steady_clock::duration retry = kFirstRetry;
  while (!stopping_) {
    const auto now = std::chrono::system_clock::now();
    std::chrono::steady_clock::duration wait{};
    if (freshness(now) == Freshness::fresh) {
      wait =
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(time_until_refresh(now));
      retry = kFirstRetry;
    } else if (co_await fetch_once() &&
               freshness(std::chrono::system_clock::now()) == Freshness::fresh) {
      continue;
    } else {
      wait = retry;
      spdlog::info("retrying the OCSP staple in {} s",
                   std::chrono::ceil<std::chrono::seconds>(wait).count());
      retry = std::min<std::chrono::steady_clock::duration>(retry * 2, kLongestRetry);
    }
    timer->expires_after(wait);
    boost::system::error_code ignored;
    co_await timer->async_wait(net::asio::redirect_error(net::asio::use_awaitable, ignored));
  }
}

}  // namespace sc::app
