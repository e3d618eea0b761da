#include "ttp/ocsp_response_cache.hpp"

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include <algorithm>

#include "common/crypto/openssl_ptr.hpp"

namespace sc::ttp {
namespace {

bool same_status(const pki::RevocationStatus& a, const pki::RevocationStatus& b) {
  if (a.state != b.state) return false;
  if (a.state != pki::RevocationStatus::State::Revoked) return true;
  return a.revoked_at == b.revoked_at && a.reason == b.reason;
}

Bytes cert_id_der(OCSP_CERTID* id) {
  unsigned char* encoded = nullptr;
  const int length = i2d_OCSP_CERTID(id, &encoded);
  if (length <= 0) return {};
  Bytes der(encoded, encoded + length);
  OPENSSL_free(encoded);
  return der;
}

}  // namespace

std::optional<std::string> OcspCachePolicy::problem() const {
  // Short validities are for tests that watch a revocation reach a stapling peer; in service a
  // response is valid for minutes to hours (the default is one hour).
  if (validity < std::chrono::seconds(2)) {
    return std::string("the OCSP validity must be at least 2 seconds");
  }
  if (validity > std::chrono::hours(24 * 7)) {
    return std::string("the OCSP validity must be at most 7 days (604800 seconds)");
  }
  if (!(refresh_fraction >= 0 && refresh_fraction <= 1)) {
    return std::string("the OCSP refresh fraction must be between 0 and 1");
  }
  return std::nullopt;
}

std::optional<CacheableOcspQuestion> cacheable_ocsp_question(ByteView request_der,
                                                             const pki::Certificate& issuer) {
  if (request_der.empty()) return std::nullopt;
  const unsigned char* cursor = request_der.data();
  crypto::OcspRequestPtr request(
      d2i_OCSP_REQUEST(nullptr, &cursor, static_cast<long>(request_der.size())));
  if (!request || cursor != request_der.data() + request_der.size()) {
    ERR_clear_error();
    return std::nullopt;
  }
  // RFC 6960 section 4.4.1: a nonce binds the response to this request; never reuse one.
  if (OCSP_REQUEST_get_ext_by_NID(request.get(), NID_id_pkix_OCSP_Nonce, -1) >= 0) {
    return std::nullopt;
  }
  if (OCSP_request_onereq_count(request.get()) != 1) return std::nullopt;
  OCSP_CERTID* id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(request.get(), 0));
  ASN1_OBJECT* hash_algorithm = nullptr;
  ASN1_INTEGER* serial_asn1 = nullptr;
  if (OCSP_id_get0_info(nullptr, &hash_algorithm, nullptr, &serial_asn1, id) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  // Only questions about this CA's certificates (the others are answered "unknown", signed).
  const EVP_MD* hash = EVP_get_digestbyobj(hash_algorithm);
  crypto::OcspCertIdPtr ours(hash == nullptr ? nullptr
                                             : OCSP_cert_to_id(hash, nullptr, issuer.native()));
  const bool about_issuer = ours && OCSP_id_issuer_cmp(ours.get(), id) == 0;
  ERR_clear_error();
  if (!about_issuer) return std::nullopt;
  try {
    CacheableOcspQuestion question{pki::SerialNumber::from_asn1(serial_asn1), cert_id_der(id)};
    if (question.cert_id_der.empty()) return std::nullopt;
    return question;
  } catch (const std::exception&) {
    return std::nullopt;  // zero or negative serials are never this CA's
  }
}

OcspResponseCache::OcspResponseCache(OcspCachePolicy policy) : policy_(policy) {
  if (const auto problem = policy_.problem()) throw std::invalid_argument(*problem);
}

std::string OcspResponseCache::key(const CacheableOcspQuestion& question) {
  return question.serial.hex() + "/" + to_hex(question.cert_id_der);
}

std::optional<Bytes> OcspResponseCache::find(const CacheableOcspQuestion& question,
                                             const pki::RevocationStatus& current,
                                             SteadyTime now) const {
  const auto found = entries_.find(key(question));
  if (found == entries_.end()) return std::nullopt;
  const Entry& entry = found->second;
  if (!same_status(entry.status, current)) return std::nullopt;
  if (now - entry.signed_at >= policy_.reuse_period()) return std::nullopt;
  return entry.response_der;
}

void OcspResponseCache::store(const CacheableOcspQuestion& question, Bytes response_der,
                              const pki::RevocationStatus& status, SteadyTime signed_at) {
  std::string entry_key = key(question);
  if (entries_.size() >= policy_.max_entries && entries_.count(entry_key) == 0) {
    const auto oldest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& a, const auto& b) { return a.second.signed_at < b.second.signed_at; });
    if (oldest != entries_.end()) entries_.erase(oldest);
  }
  entries_.insert_or_assign(std::move(entry_key),
                            Entry{std::move(response_der), status, signed_at});
}

}  // namespace sc::ttp
