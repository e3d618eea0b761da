#pragma once
// Refused enrollments are recorded in the registry's request table, but not one fsync'd
// transaction per refusal (a requester could make the TTP write hundreds per second): the
// journal queues them in memory and writes them in batches, each batch one transaction, on its
// own registry connection (SQLite: synchronous=OFF, WAL; PostgreSQL: a second connection).
// Successful enrollments do not pass here: they stay one synchronous=FULL transaction with
// their certificate. While the database is unreachable, a failed batch is logged and dropped.
//
// Bounded: at most `capacity` refusals wait between two batches; the ones beyond are counted
// and the count is logged at the next batch. A crash loses at most the last batch of refusal
// records, never a certificate, a token redemption or a revocation.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "ttp/registry.hpp"

namespace sc::ttp {

struct RefusalJournalOptions {
  std::size_t capacity = 1000;  // refusals waiting between two batches
  // How often a background thread writes the batch; zero: only flush() (and the destructor)
  // write, which is what unit tests use.
  std::chrono::milliseconds flush_interval{1000};
};

class RefusalJournal {
 public:
  // Opens its own connection to the registry (created by the daemon's Registry first).
  explicit RefusalJournal(const store::StoreLocation& registry_location,
                          RefusalJournalOptions options = {});
  RefusalJournal(const RefusalJournal&) = delete;
  RefusalJournal& operator=(const RefusalJournal&) = delete;
  // Stops the background thread and writes what is still queued.
  ~RefusalJournal();

  // Queues one refusal; no disk write. Thread-safe.
  void record(const RefusalRecord& refusal, TimePoint now = Clock::now());
  // Writes every queued refusal in one transaction; returns how many were written. A failed
  // write is logged and its records are counted as dropped. Thread-safe.
  std::size_t flush();

  std::size_t queued() const;
  std::uint64_t dropped() const;  // since the journal was opened
  // Transactions the journal's connection committed (one per non-empty batch).
  std::int64_t batches_written() const;

 private:
  void flush_periodically();

  RefusalJournalOptions options_;
  mutable std::mutex queue_mutex_;
  std::vector<TimedRefusal> queue_;
  std::uint64_t dropped_total_ = 0;
  std::uint64_t dropped_unreported_ = 0;

  mutable std::mutex write_mutex_;  // the connection, one batch at a time
  Registry registry_;
  std::int64_t commits_at_open_ = 0;  // the schema check's own transaction

  std::mutex stop_mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  std::thread flusher_;
};

}  // namespace sc::ttp
