#pragma once
// The store's latency as /metrics shows it: sc_store_operation_seconds{backend, operation}, one
// histogram per backend and operation (query, write, commit). Internal to common/store.
#include <chrono>

#include "common/metrics/metrics.hpp"
#include "common/store/database.hpp"

namespace sc::store {

enum class StoreOperation { query, write, commit };

metrics::Histogram& store_latency(Backend backend, StoreOperation operation);

// Observes the time from construction to destruction (a failed operation counts too).
class LatencySample {
 public:
  explicit LatencySample(metrics::Histogram& histogram)
      : histogram_(histogram), start_(std::chrono::steady_clock::now()) {}
  ~LatencySample() {
    histogram_.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }
  LatencySample(const LatencySample&) = delete;
  LatencySample& operator=(const LatencySample&) = delete;

 private:
  metrics::Histogram& histogram_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace sc::store
