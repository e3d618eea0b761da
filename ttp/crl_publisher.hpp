#pragma once
// Keeps certs/ttp/crl.pem current: a CRL signed by the root listing every revocation in the
// registry, valid for 7 days. It is rewritten (atomically) on every revocation, and on demand
// when the file is missing, damaged, within a day of its nextUpdate, or lists fewer revocations
// than the registry holds (a revocation made by an admin command or by another TTP instance on
// the same PostgreSQL registry). Publishing takes its CRL number inside the registry's write
// transaction, so the daemon, an admin command and other instances never race each other into
// a repeated or decreasing number.
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

#include "common/pki/certificate_authority.hpp"
#include "ttp/registry.hpp"

namespace sc::ttp {

class CrlPublisher {
 public:
  static constexpr std::chrono::hours validity{7 * 24};
  static constexpr std::chrono::hours refresh_margin{24};
  static constexpr const char* file_name = "crl.pem";

  CrlPublisher(const pki::CertificateAuthority& authority, Registry& registry,
               std::filesystem::path crl_path);

  const std::filesystem::path& path() const { return path_; }

  // Signs and writes a new CRL now.
  void publish(TimePoint now = Clock::now());
  // Publishes when needed (see above); true when it did.
  bool refresh_if_needed(TimePoint now = Clock::now());
  // The CRL to hand out (refreshed first when needed).
  std::string current_pem(TimePoint now = Clock::now());

 private:
  const pki::CertificateAuthority& authority_;
  Registry& registry_;
  std::filesystem::path path_;
};

// Keeps crl.pem from expiring while the daemon runs, even when nobody asks for it: checks at
// start and then every period, on its own thread with its own registry connection (so it
// never shares a transaction with the protocol handler).
class CrlRefresher {
 public:
  CrlRefresher(const pki::CertificateAuthority& authority,
               const store::StoreLocation& registry_location, std::filesystem::path crl_path,
               std::chrono::milliseconds period = std::chrono::hours(1));
  CrlRefresher(const CrlRefresher&) = delete;
  CrlRefresher& operator=(const CrlRefresher&) = delete;
  ~CrlRefresher();  // stops and joins the thread

 private:
  void run();

  const pki::CertificateAuthority& authority_;
  store::StoreLocation registry_location_;
  std::filesystem::path crl_path_;
  std::chrono::milliseconds period_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// The nextUpdate of a PEM CRL, or nullopt when it cannot be read.
std::optional<TimePoint> crl_next_update(const std::string& pem);
// How many certificates a PEM CRL lists as revoked, or nullopt when it cannot be read.
std::optional<std::int64_t> crl_revoked_count(const std::string& pem);

}  // namespace sc::ttp
