#include "ttp/refusal_journal.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sc::ttp {

RefusalJournal::RefusalJournal(const store::StoreLocation& registry_location,
                               RefusalJournalOptions options)
    : options_(options), registry_(registry_location, {}, CommitDurability::Relaxed) {
  commits_at_open_ = registry_.committed_transactions();
  queue_.reserve(std::min<std::size_t>(options_.capacity, 64));
  if (options_.flush_interval > std::chrono::milliseconds::zero()) {
    flusher_ = std::thread([this] { flush_periodically(); });
  }
}

RefusalJournal::~RefusalJournal() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  try {
    const std::size_t written = flush();
    if (written > 0) spdlog::info("wrote the last {} refusal record(s) at shutdown", written);
  } catch (const std::exception& failure) {
    spdlog::error("the last refusal records could not be written: {}", failure.what());
  }
}

void RefusalJournal::record(const RefusalRecord& refusal, TimePoint now) {
  std::lock_guard lock(queue_mutex_);
  if (queue_.size() >= options_.capacity) {
    ++dropped_total_;
    ++dropped_unreported_;
    return;
  }
  queue_.push_back(TimedRefusal{refusal, now});
}

std::size_t RefusalJournal::flush() {
  std::lock_guard write_lock(write_mutex_);
  std::vector<TimedRefusal> batch;
  std::uint64_t dropped = 0;
  {
    std::lock_guard lock(queue_mutex_);
    batch.swap(queue_);
    dropped = dropped_unreported_;
    dropped_unreported_ = 0;
  }
  if (dropped > 0) {
    spdlog::warn(
        "{} refused enrollment(s) were not recorded: more than {} arrived between two "
        "writes of the refusal journal",
        dropped, options_.capacity);
  }
  if (batch.empty()) return 0;
  try {
    registry_.record_refusals(batch);
  } catch (const std::exception& failure) {
    spdlog::error("{} refusal record(s) could not be written to the registry: {}", batch.size(),
                  failure.what());
    std::lock_guard lock(queue_mutex_);
    dropped_total_ += batch.size();
    return 0;
  }
  spdlog::debug("wrote {} refusal record(s) in one transaction", batch.size());
  return batch.size();
}

void RefusalJournal::flush_periodically() {
  std::unique_lock lock(stop_mutex_);
  while (!stopping_) {
    stop_signal_.wait_for(lock, options_.flush_interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    try {
      flush();
    } catch (const std::exception& failure) {
      spdlog::error("the refusal journal could not write its batch: {}", failure.what());
    }
    lock.lock();
  }
}

std::size_t RefusalJournal::queued() const {
  std::lock_guard lock(queue_mutex_);
  return queue_.size();
}

std::uint64_t RefusalJournal::dropped() const {
  std::lock_guard lock(queue_mutex_);
  return dropped_total_;
}

std::int64_t RefusalJournal::batches_written() const {
  std::lock_guard lock(write_mutex_);
  return registry_.committed_transactions() - commits_at_open_;
}

}  // namespace sc::ttp
