#pragma once
// Signed OCSP responses kept for reuse, so that a flood of status questions about one
// certificate costs one signature instead of one per question.
//
// An entry is keyed by the certificate's serial together with the exact CertID the question
// carried (RFC 6960 section 4.1.1: the response repeats the request's CertID, so a question
// hashed with SHA-256 cannot be answered with a response made for a SHA-1 CertID). It holds the
// DER response, the status it states and when it was signed. The service reuses it only while
// the registry's current status (read at every question) equals the cached status and the
// response is younger than refresh_fraction x validity; otherwise it signs anew and replaces
// the entry. Only questions without a nonce are cached (a nonce makes each response unique,
// RFC 6960 section 4.4.1 / RFC 8954).
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "common/crypto/bytes.hpp"
#include "common/pki/certificate.hpp"
#include "common/pki/revocation.hpp"
#include "common/pki/serial_number.hpp"
#include "ttp/rate_limiter.hpp"

namespace sc::ttp {

struct OcspCachePolicy {
  std::chrono::seconds validity{3600};  // nextUpdate - thisUpdate of every response
  double refresh_fraction = 0.5;        // reuse a response while younger than this x validity
  std::size_t max_entries = 10'000;     // beyond it, the oldest response is forgotten

  // nullopt when usable, else a sentence.
  std::optional<std::string> problem() const;
  std::chrono::duration<double> reuse_period() const { return validity * refresh_fraction; }
};

// An OCSP question the cache may answer: exactly one CertID, naming the given CA, no nonce.
struct CacheableOcspQuestion {
  pki::SerialNumber serial;
  Bytes cert_id_der;  // the CertID as the requester encoded it
};

// Reads a DER OCSPRequest (RFC 6960 section 4.1.1); nullopt when it does not parse, carries a
// nonce, names several certificates, or names a certificate of another issuer than `issuer`.
std::optional<CacheableOcspQuestion> cacheable_ocsp_question(ByteView request_der,
                                                             const pki::Certificate& issuer);

class OcspResponseCache {
 public:
  explicit OcspResponseCache(OcspCachePolicy policy = {});

  // The cached response for this question when it states `current` and is young enough at
  // `now`; nullopt otherwise (the caller signs anew and calls store()). Not thread-safe: the
  // TtpService calls it under its lock.
  std::optional<Bytes> find(const CacheableOcspQuestion& question,
                            const pki::RevocationStatus& current, SteadyTime now) const;
  void store(const CacheableOcspQuestion& question, Bytes response_der,
             const pki::RevocationStatus& status, SteadyTime signed_at);

  std::size_t size() const { return entries_.size(); }
  const OcspCachePolicy& policy() const { return policy_; }

 private:
  struct Entry {
    Bytes response_der;
    pki::RevocationStatus status;
    SteadyTime signed_at;
  };
  static std::string key(const CacheableOcspQuestion& question);

  OcspCachePolicy policy_;
  std::map<std::string, Entry> entries_;
};

}  // namespace sc::ttp
