#include "bank_server/customer_status.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sc::bank {
namespace {

std::string described(const pki::Certificate& leaf) {
  return "certificate for " + leaf.subject_line() + " (serial " + leaf.serial_hex() + ")";
}

}  // namespace

CustomerStatusService::CustomerStatusService(StatusFetcher fetch, CustomerStatusOptions options)
    : fetch_(std::move(fetch)), options_(options) {}

std::size_t CustomerStatusService::lookups_started() const {
  std::lock_guard lock(mutex_);
  return lookups_started_;
}

std::optional<CustomerStatusService::Answer> CustomerStatusService::cached_locked(
    const std::string& serial, std::chrono::steady_clock::time_point now) {
  auto found = cache_.find(serial);
  if (found == cache_.end()) return std::nullopt;
  if (now >= found->second.expires) {
    cache_.erase(found);
    return std::nullopt;
  }
  return found->second;
}

void CustomerStatusService::remember_locked(const std::string& serial, const Answer& answer) {
  if (cache_.size() >= options_.max_entries) {
    // Bounded: drop the entries closest to expiry (half of them), revocations last.
    std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>> order;
    order.reserve(cache_.size());
    for (const auto& [key, value] : cache_) order.emplace_back(value.expires, key);
    std::sort(order.begin(), order.end());
    for (std::size_t i = 0; i < order.size() / 2; ++i) cache_.erase(order[i].second);
  }
  cache_[serial] = answer;
}

CustomerStatusService::Answer CustomerStatusService::ask_ttp_result(
    const Bytes& der, const pki::Certificate& leaf, const pki::Certificate& issuer) const {
  const auto now = std::chrono::steady_clock::now();
  Answer answer;
  try {
    answer.status = pki::verify_stapled_ocsp_response(der, leaf, issuer);
  } catch (const std::exception& error) {
    answer.outcome = Outcome::failed;
    answer.failure = std::string("the TTP's OCSP response cannot be trusted: ") + error.what();
    answer.expires = now + options_.failure_for;
    return answer;
  }
  if (answer.status.is_revoked()) {
    answer.outcome = Outcome::revoked;
    answer.expires = std::chrono::steady_clock::time_point::max();  // revocation is final
    return answer;
  }
  if (!answer.status.is_good()) {
    answer.outcome = Outcome::failed;
    answer.failure = "the TTP does not know this certificate";
    answer.expires = now + options_.failure_for;
    return answer;
  }
  answer.outcome = Outcome::good;
  auto good_for =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(options_.good_for);
  try {
    // Never past the response's own nextUpdate.
    if (auto next = pki::ocsp_response_times(der).next_update) {
      // Compared before subtracting: a far-off nextUpdate must not overflow the difference.
      const auto wall_now = std::chrono::system_clock::now();
      if (*next <= wall_now) {
        good_for = std::chrono::steady_clock::duration::zero();
      } else if (*next < wall_now + good_for) {
        good_for =
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(*next - wall_now);
      }
    }
  } catch (const std::exception&) {
    // verify_stapled_ocsp_response parsed it already; keep the configured time.
  }
  answer.expires = now + good_for;
  return answer;
}

StatusVerdict CustomerStatusService::unknown_verdict(const pki::Certificate& leaf,
                                                     const std::string& why) const {
  StatusVerdict verdict;
  verdict.alert = tls::AlertDescription::certificate_unknown;
  if (options_.unknown == UnknownStatusPolicy::fail_open) {
    verdict.admitted = true;
    verdict.sentence = "revocation status of " + described(leaf) + " unknown (" + why +
                       "); admitted because the policy is fail open";
    return verdict;
  }
  verdict.sentence = "revocation status of " + described(leaf) + " unknown (" + why +
                     "); refused because the policy is fail closed";
  return verdict;
}

StatusVerdict CustomerStatusService::verdict(const Answer& answer,
                                             const pki::Certificate& leaf) const {
  StatusVerdict verdict;
  switch (answer.outcome) {
    case Outcome::good:
      verdict.admitted = true;
      verdict.sentence = described(leaf) + " is good according to the TTP";
      return verdict;
    case Outcome::revoked:
      verdict.alert = tls::AlertDescription::certificate_revoked;
      verdict.sentence = described(leaf) + " is revoked (" +
                         pki::format_time(answer.status.revoked_at).substr(0, 10) + ", " +
                         pki::revocation_reason_name(answer.status.reason) + ")";
      return verdict;
    case Outcome::failed:
      break;
  }
  return unknown_verdict(leaf, answer.failure);
}

std::optional<StatusVerdict> CustomerStatusService::known_revocation(const pki::Certificate& leaf) {
  std::lock_guard lock(mutex_);
  auto cached = cached_locked(leaf.serial_hex(), std::chrono::steady_clock::now());
  if (!cached || cached->outcome != Outcome::revoked) return std::nullopt;
  return verdict(*cached, leaf);
}

net::asio::awaitable<StatusVerdict> CustomerStatusService::check(const pki::Certificate& leaf,
                                                                 const pki::Certificate& issuer) {
  auto self = shared_from_this();
  const std::string serial = leaf.serial_hex();
  auto executor = co_await net::asio::this_coro::executor;
  auto timer = std::make_shared<net::asio::steady_timer>(executor, options_.wait_limit);
  std::shared_ptr<Lookup> lookup;
  bool start = false;
  {
    std::lock_guard lock(mutex_);
    if (auto cached = cached_locked(serial, std::chrono::steady_clock::now())) {
      co_return verdict(*cached, leaf);
    }
    auto& slot = pending_[serial];
    if (!slot) {
      slot = std::make_shared<Lookup>();
      start = true;
      ++lookups_started_;
    }
    lookup = slot;
    lookup->wake.push_back(
        [executor, timer] { net::asio::post(executor, [timer] { timer->cancel(); }); });
  }
  if (start) {
    spdlog::info("asking the TTP for the status of {}", described(leaf));
    net::asio::co_spawn(executor, run_lookup(serial, leaf, issuer, lookup), net::asio::detached);
  }
  boost::system::error_code ignored;
  co_await timer->async_wait(net::asio::redirect_error(net::asio::use_awaitable, ignored));
  std::optional<Answer> answer;
  {
    std::lock_guard lock(mutex_);
    answer = lookup->answer;
  }
  if (!answer) {
    co_return unknown_verdict(leaf, "the TTP did not answer within " +
                                        std::to_string(options_.wait_limit.count()) + " ms");
  }
  co_return verdict(*answer, leaf);
}

net::asio::awaitable<void> CustomerStatusService::run_lookup(std::string serial,
                                                             pki::Certificate leaf,
                                                             pki::Certificate issuer,
                                                             std::shared_ptr<Lookup> lookup) {
  auto self = shared_from_this();
  Answer answer;
  try {
    Bytes der = co_await fetch_(leaf);
    answer = ask_ttp_result(der, leaf, issuer);
  } catch (const std::exception& error) {
    answer.outcome = Outcome::failed;
    answer.failure = std::string("the TTP cannot be asked: ") + error.what();
    answer.expires = std::chrono::steady_clock::now() + options_.failure_for;
  }
  switch (answer.outcome) {
    case Outcome::good:
      spdlog::info("TTP says {} is good", described(leaf));
      break;
    case Outcome::revoked:
      spdlog::warn("TTP says {} is revoked", described(leaf));
      break;
    case Outcome::failed:
      spdlog::warn("status of {} not established: {}; remembered for {} s", described(leaf),
                   answer.failure, options_.failure_for.count());
      break;
  }
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard lock(mutex_);
    lookup->answer = answer;
    remember_locked(serial, answer);
    pending_.erase(serial);
    wake.swap(lookup->wake);
  }
  for (auto& waker : wake) waker();
}

}  // namespace sc::bank
