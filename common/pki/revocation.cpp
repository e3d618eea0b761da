#include "common/pki/revocation.hpp"

#include <openssl/ocsp.h>

#include <array>

#include "common/crypto/error.hpp"
#include "common/pki/pki_error.hpp"
#include "common/pki/x509_encoding.hpp"

namespace sc::pki {

namespace {

struct ReasonName {
  RevocationReason reason;
  const char* name;
};

constexpr std::array<ReasonName, 10> kReasonNames = {{
    {RevocationReason::unspecified, "unspecified"},
    {RevocationReason::keyCompromise, "keyCompromise"},
    {RevocationReason::cACompromise, "cACompromise"},
    {RevocationReason::affiliationChanged, "affiliationChanged"},
    {RevocationReason::superseded, "superseded"},
    {RevocationReason::cessationOfOperation, "cessationOfOperation"},
    {RevocationReason::certificateHold, "certificateHold"},
    {RevocationReason::removeFromCRL, "removeFromCRL"},
    {RevocationReason::privilegeWithdrawn, "privilegeWithdrawn"},
    {RevocationReason::aACompromise, "aACompromise"},
}};

// How far a responder's clock may be ahead of ours (RFC 6960 section 4.2.2.1 thisUpdate).
constexpr long kOcspClockSkewSeconds = 300;

crypto::OcspResponsePtr parse_ocsp_response(ByteView der) {
  if (der.empty()) throw PkiError("the OCSP response is empty");
  const unsigned char* cursor = der.data();
  crypto::OcspResponsePtr response(
      d2i_OCSP_RESPONSE(nullptr, &cursor, static_cast<long>(der.size())));
  if (!response || cursor != der.data() + der.size()) {
    ERR_clear_error();
    throw PkiError("the OCSP response is not a valid DER OCSPResponse");
  }
  return response;
}

crypto::OcspRequestPtr parse_ocsp_request(ByteView der) {
  const unsigned char* cursor = der.data();
  crypto::OcspRequestPtr request(d2i_OCSP_REQUEST(nullptr, &cursor, static_cast<long>(der.size())));
  if (!request || cursor != der.data() + der.size()) {
    ERR_clear_error();
    throw PkiError("the OCSP request given for the nonce check is not valid DER");
  }
  return request;
}

void check_nonce(OCSP_REQUEST* request, OCSP_BASICRESP* basic) {
  // OCSP_check_nonce: 1 equal, 2 absent from both, 3 only in the response, -1 only in the
  // request, 0 different.
  const int result = OCSP_check_nonce(request, basic);
  if (result == 0) throw PkiError("the OCSP response's nonce differs from the request's");
  if (result == -1) throw PkiError("the OCSP response does not echo the request's nonce");
}

void check_signature(OCSP_BASICRESP* basic, const Certificate& issuer, TimePoint now) {
  // The responder is the issuer itself, or a certificate the issuer delegated with
  // id-kp-OCSPSigning (RFC 6960 section 4.2.2.2); OCSP_basic_verify checks both cases.
  crypto::X509StorePtr store(X509_STORE_new());
  crypto::check(store != nullptr, "X509_STORE_new");
  crypto::check(X509_STORE_add_cert(store.get(), issuer.native()) == 1, "X509_STORE_add_cert");
  crypto::check(X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN) == 1,
                "X509_STORE_set_flags");
  // A delegated responder's certificate is checked as of the same time as the response.
  X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store.get()),
                             std::chrono::system_clock::to_time_t(now));
  detail::BorrowedX509Stack signers(sk_X509_new_null());
  crypto::check(signers != nullptr && sk_X509_push(signers.get(), issuer.native()) > 0,
                "sk_X509_push");
  const int result = OCSP_basic_verify(basic, signers.get(), store.get(), 0);
  if (result <= 0) {
    throw PkiError("the OCSP response is not signed by " + issuer.subject_line() +
                   " or its delegated responder: " + crypto::openssl_error_text());
  }
}

}  // namespace

const char* revocation_reason_name(RevocationReason reason) {
  for (const ReasonName& entry : kReasonNames) {
    if (entry.reason == reason) return entry.name;
  }
  return "unspecified";
}

std::optional<RevocationReason> revocation_reason_from_name(std::string_view name) {
  for (const ReasonName& entry : kReasonNames) {
    if (name == entry.name) return entry.reason;
  }
  return std::nullopt;
}

std::optional<RevocationReason> revocation_reason_from_code(int code) {
  for (const ReasonName& entry : kReasonNames) {
    if (static_cast<int>(entry.reason) == code) return entry.reason;
  }
  return std::nullopt;
}

namespace {
Bytes encode_ocsp_request(crypto::OcspCertIdPtr id, bool with_nonce) {
  crypto::OcspRequestPtr request(OCSP_REQUEST_new());
  crypto::check(request != nullptr, "OCSP_REQUEST_new");
  crypto::check(OCSP_request_add0_id(request.get(), id.get()) != nullptr, "OCSP_request_add0_id");
  id.release();  // owned by the request now
  if (with_nonce) {
    // RFC 8954: a 32-octet nonce is the recommended length (OpenSSL's default is 16).
    crypto::check(OCSP_request_add1_nonce(request.get(), nullptr, 32) == 1,
                  "OCSP_request_add1_nonce");
  }
  const int length = i2d_OCSP_REQUEST(request.get(), nullptr);
  crypto::check(length > 0, "i2d_OCSP_REQUEST");
  Bytes der(static_cast<std::size_t>(length));
  unsigned char* cursor = der.data();
  crypto::check(i2d_OCSP_REQUEST(request.get(), &cursor) == length, "i2d_OCSP_REQUEST");
  return der;
}
}  // namespace

Bytes make_ocsp_request(const Certificate& certificate, const Certificate& issuer,
                        bool with_nonce) {
  crypto::OcspCertIdPtr id(OCSP_cert_to_id(EVP_sha1(), certificate.native(), issuer.native()));
  crypto::check(id != nullptr, "OCSP_cert_to_id");
  return encode_ocsp_request(std::move(id), with_nonce);
}

Bytes make_ocsp_request(const SerialNumber& serial, const Certificate& issuer, bool with_nonce) {
  crypto::Asn1IntegerPtr serial_asn1 = serial.to_asn1();
  crypto::OcspCertIdPtr id(OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(issuer.native()),
                                            X509_get0_pubkey_bitstr(issuer.native()),
                                            serial_asn1.get()));
  crypto::check(id != nullptr, "OCSP_cert_id_new");
  return encode_ocsp_request(std::move(id), with_nonce);
}

namespace {

// Whether a response without nextUpdate is acceptable.
enum class NextUpdate { optional, required };

struct OcspFreshness {
  TimePoint now;
  NextUpdate next_update = NextUpdate::optional;
};

crypto::OcspBasicResponsePtr successful_basic_response(const OCSP_RESPONSE* response) {
  const int response_status = OCSP_response_status(const_cast<OCSP_RESPONSE*>(response));
  if (response_status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    throw PkiError(std::string("the OCSP responder answered \"") +
                   OCSP_response_status_str(response_status) + "\"");
  }
  crypto::OcspBasicResponsePtr basic(
      OCSP_response_get1_basic(const_cast<OCSP_RESPONSE*>(response)));
  if (!basic) {
    ERR_clear_error();
    throw PkiError("the OCSP response carries no basic response");
  }
  return basic;
}

// The SingleResponse about certificate. Each CertID is compared with the certificate's CertID
// hashed the way that SingleResponse hashed it (SHA-1 from our own requests, SHA-256 from
// other requesters), RFC 6960 section 4.1.1.
OCSP_SINGLERESP* find_single_response(OCSP_BASICRESP* basic, const Certificate& certificate,
                                      const Certificate& issuer) {
  for (int i = 0; i < OCSP_resp_count(basic); ++i) {
    OCSP_SINGLERESP* single = OCSP_resp_get0(basic, i);
    const OCSP_CERTID* id = OCSP_SINGLERESP_get0_id(single);
    ASN1_OBJECT* hash_algorithm = nullptr;
    if (OCSP_id_get0_info(nullptr, &hash_algorithm, nullptr, nullptr,
                          const_cast<OCSP_CERTID*>(id)) != 1) {
      continue;
    }
    const EVP_MD* hash = EVP_get_digestbyobj(hash_algorithm);
    if (hash == nullptr) continue;
    crypto::OcspCertIdPtr ours(OCSP_cert_to_id(hash, certificate.native(), issuer.native()));
    if (ours && OCSP_id_cmp(ours.get(), id) == 0) return single;
  }
  ERR_clear_error();
  return nullptr;
}

void check_freshness(const ASN1_GENERALIZEDTIME* this_update,
                     const ASN1_GENERALIZEDTIME* next_update, const OcspFreshness& freshness,
                     const Certificate& certificate) {
  // RFC 6960 section 3.2 items 4-5 ("the time at which the status being indicated is known
  // to be correct (thisUpdate) is sufficiently recent" and "when available, the time at or
  // before which newer information will be available (nextUpdate) is greater than the
  // current time"), with 5 minutes of leeway for clocks either way.
  const auto skew = std::chrono::seconds(kOcspClockSkewSeconds);
  const std::string about = "the OCSP response for serial " + certificate.serial_hex();
  if (this_update == nullptr) throw PkiError(about + " has no thisUpdate");
  const TimePoint produced = detail::time_from_asn1(this_update);
  if (produced > freshness.now + skew) {
    throw PkiError(about + " claims thisUpdate " + format_time(produced) +
                   ", which is in the future");
  }
  if (next_update == nullptr) {
    if (freshness.next_update == NextUpdate::required) {
      throw PkiError(about + " has no nextUpdate; a stapled response must say until when it holds");
    }
    return;
  }
  const TimePoint until = detail::time_from_asn1(next_update);
  if (until < produced) {
    throw PkiError(about + " has a nextUpdate (" + format_time(until) +
                   ") before its thisUpdate (" + format_time(produced) + ")");
  }
  if (until + skew < freshness.now) {
    throw PkiError(about + " is stale: its nextUpdate " + format_time(until) + " has passed");
  }
}

RevocationStatus status_of(OCSP_SINGLERESP* single) {
  int reason = 0;
  ASN1_GENERALIZEDTIME* revoked_at = nullptr;
  const int status = OCSP_single_get0_status(single, &reason, &revoked_at, nullptr, nullptr);
  switch (status) {
    case V_OCSP_CERTSTATUS_GOOD:
      return RevocationStatus::good();
    case V_OCSP_CERTSTATUS_REVOKED:
      return RevocationStatus::revoked(
          detail::time_from_asn1(revoked_at),
          revocation_reason_from_code(reason).value_or(RevocationReason::unspecified));
    default:
      return RevocationStatus::unknown();
  }
}

// The checks both requesters share: signature, CertID, freshness.
RevocationStatus verified_status(OCSP_BASICRESP* basic, const Certificate& certificate,
                                 const Certificate& issuer, const OcspFreshness& freshness) {
  check_signature(basic, issuer, freshness.now);
  OCSP_SINGLERESP* single = find_single_response(basic, certificate, issuer);
  if (single == nullptr) {
    throw PkiError("the OCSP response says nothing about serial " + certificate.serial_hex() +
                   " of " + issuer.subject_line());
  }
  ASN1_GENERALIZEDTIME* this_update = nullptr;
  ASN1_GENERALIZEDTIME* next_update = nullptr;
  OCSP_single_get0_status(single, nullptr, nullptr, &this_update, &next_update);
  check_freshness(this_update, next_update, freshness, certificate);
  return status_of(single);
}

}  // namespace

RevocationStatus verify_ocsp_response(ByteView response_der, const Certificate& certificate,
                                      const Certificate& issuer, ByteView request_der) {
  crypto::OcspResponsePtr response = parse_ocsp_response(response_der);
  crypto::OcspBasicResponsePtr basic = successful_basic_response(response.get());
  if (!request_der.empty()) {
    crypto::OcspRequestPtr request = parse_ocsp_request(request_der);
    check_nonce(request.get(), basic.get());
  }
  return verified_status(basic.get(), certificate, issuer,
                         {std::chrono::system_clock::now(), NextUpdate::optional});
}

RevocationStatus verify_stapled_ocsp_response(ByteView response_der, const Certificate& certificate,
                                              const Certificate& issuer, TimePoint now) {
  crypto::OcspResponsePtr response = parse_ocsp_response(response_der);
  crypto::OcspBasicResponsePtr basic = successful_basic_response(response.get());
  // No nonce: the peer fetched the staple for everyone, not for this handshake; nextUpdate
  // bounds how long it can be replayed instead.
  return verified_status(basic.get(), certificate, issuer, {now, NextUpdate::required});
}

OcspResponseTimes ocsp_response_times(ByteView response_der) {
  crypto::OcspResponsePtr response = parse_ocsp_response(response_der);
  crypto::OcspBasicResponsePtr basic = successful_basic_response(response.get());
  if (OCSP_resp_count(basic.get()) <= 0) {
    throw PkiError("the OCSP response holds no SingleResponse");
  }
  ASN1_GENERALIZEDTIME* this_update = nullptr;
  ASN1_GENERALIZEDTIME* next_update = nullptr;
  OCSP_single_get0_status(OCSP_resp_get0(basic.get(), 0), nullptr, nullptr, &this_update,
                          &next_update);
  if (this_update == nullptr)
    throw PkiError("the OCSP response's SingleResponse has no thisUpdate");
  OcspResponseTimes times;
  times.this_update = detail::time_from_asn1(this_update);
  if (next_update != nullptr) times.next_update = detail::time_from_asn1(next_update);
  return times;
}

}  // namespace sc::pki
