#include "ttp/crl_publisher.hpp"

#include <ctime>
#include <system_error>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <spdlog/spdlog.h>

#include "common/crypto/openssl_ptr.hpp"
#include "common/pki/pem_file.hpp"
#include "common/pki/pki_error.hpp"
#include "common/pki/x509_encoding.hpp"

namespace sc::ttp {

std::optional<TimePoint> crl_next_update(const std::string& pem) {
  crypto::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return std::nullopt;
  crypto::X509CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  if (!crl) {
    ERR_clear_error();
    return std::nullopt;
  }
  const ASN1_TIME* next_update = X509_CRL_get0_nextUpdate(crl.get());
  std::tm parts{};
  if (next_update == nullptr || ASN1_TIME_to_tm(next_update, &parts) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  return pki::detail::time_from_seconds(timegm(&parts));
}

std::optional<std::int64_t> crl_revoked_count(const std::string& pem) {
  crypto::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return std::nullopt;
  crypto::X509CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  if (!crl) {
    ERR_clear_error();
    return std::nullopt;
  }
  const STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  return revoked == nullptr ? 0 : sk_X509_REVOKED_num(revoked);
}

CrlPublisher::CrlPublisher(const pki::CertificateAuthority& authority, Registry& registry,
                           std::filesystem::path crl_path)
    : authority_(authority), registry_(registry), path_(std::move(crl_path)) {}

void CrlPublisher::publish(TimePoint now) {
  registry_.publish_crl([&](const Registry::CrlDraft& draft) {
    std::vector<pki::RevokedEntry> entries;
    entries.reserve(draft.revocations.size());
    for (const auto& revocation : draft.revocations) {
      entries.push_back(pki::RevokedEntry{pki::SerialNumber::from_hex(revocation.serial_hex),
                                          revocation.revoked_at, revocation.reason});
    }
    const TimePoint next_update = now + validity;
    const std::string pem = authority_.make_crl(entries, now, next_update,
                                                static_cast<std::uint64_t>(draft.crl_number));
    pki::write_text_file_atomically(path_, pem);
    spdlog::info("published CRL number {} with {} revoked certificate(s) to {} (next update {})",
                 draft.crl_number, entries.size(), path_.string(), iso8601(next_update));
  });
}

bool CrlPublisher::refresh_if_needed(TimePoint now) {
  std::string reason;
  std::error_code error;
  if (!std::filesystem::exists(path_, error)) {
    reason = "there is no CRL yet";
  } else if (registry_.crl_outdated()) {
    reason = "revocations were added since the last CRL";
  } else {
    std::optional<TimePoint> next_update;
    std::optional<std::int64_t> listed;
    try {
      const std::string pem = pki::read_text_file(path_);
      next_update = crl_next_update(pem);
      listed = crl_revoked_count(pem);
    } catch (const pki::PkiError& failure) {
      spdlog::warn("the CRL {} cannot be read: {}", path_.string(), failure.what());
    }
    if (!next_update || !listed) {
      reason = "the CRL file cannot be read";
    } else if (*next_update < now + refresh_margin) {
      reason = "the CRL expires on " + iso8601(*next_update);
    } else if (const std::int64_t held = registry_.revocation_count(); *listed < held) {
      // Another instance (or an admin command) published the registry's newest revocations
      // into its own file; this instance's file still lacks them.
      reason = "the CRL lists " + std::to_string(*listed) + " revocation(s); the registry holds " +
               std::to_string(held);
    }
  }
  if (reason.empty()) return false;
  spdlog::info("regenerating the CRL: {}", reason);
  publish(now);
  return true;
}

std::string CrlPublisher::current_pem(TimePoint now) {
  refresh_if_needed(now);
  return pki::read_text_file(path_);
}

CrlRefresher::CrlRefresher(const pki::CertificateAuthority& authority,
                           const store::StoreLocation& registry_location,
                           std::filesystem::path crl_path, std::chrono::milliseconds period)
    : authority_(authority),
      registry_location_(registry_location),
      crl_path_(std::move(crl_path)),
      period_(period),
      thread_([this] { run(); }) {}

CrlRefresher::~CrlRefresher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void CrlRefresher::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      Registry registry(registry_location_);
      CrlPublisher(authority_, registry, crl_path_).refresh_if_needed();
    } catch (const std::exception& failure) {
      spdlog::error("keeping the CRL {} current failed (retrying in {} s): {}", crl_path_.string(),
                    std::chrono::duration_cast<std::chrono::seconds>(period_).count(),
                    failure.what());
    }
    lock.lock();
    wake_.wait_for(lock, period_, [this] { return stopping_; });
  }
}

}  // namespace sc::ttp
