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

void check_signature(OCSP_BASICRESP* basic, const Certificate& issuer) {
  // The responder is the issuer itself, or a certificate the issuer delegated with
  // id-kp-OCSPSigning (RFC 6960 section 4.2.2.2); OCSP_basic_verify checks both cases.
  crypto::X509StorePtr store(X509_STORE_new());
  crypto::check(store != nullptr, "X509_STORE_new");
  crypto::check(X509_STORE_add_cert(store.get(), issuer.native()) == 1, "X509_STORE_add_cert");
  crypto::check(X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN) == 1,
                "X509_STORE_set_flags");
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

RevocationStatus verify_ocsp_response(ByteView response_der, const Certificate& certificate,
                                      const Certificate& issuer, ByteView request_der) {
  crypto::OcspResponsePtr response = parse_ocsp_response(response_der);
  const int response_status = OCSP_response_status(response.get());
  if (response_status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    throw PkiError(std::string("the OCSP responder answered \"") +
                   OCSP_response_status_str(response_status) + "\"");
  }
  crypto::OcspBasicResponsePtr basic(OCSP_response_get1_basic(response.get()));
  if (!basic) {
    ERR_clear_error();
    throw PkiError("the OCSP response carries no basic response");
  }
  if (!request_der.empty()) {
    crypto::OcspRequestPtr request = parse_ocsp_request(request_der);
    check_nonce(request.get(), basic.get());
  }
  check_signature(basic.get(), issuer);

  crypto::OcspCertIdPtr id(OCSP_cert_to_id(EVP_sha1(), certificate.native(), issuer.native()));
  crypto::check(id != nullptr, "OCSP_cert_to_id");
  int status = 0;
  int reason = 0;
  ASN1_GENERALIZEDTIME* revoked_at = nullptr;
  ASN1_GENERALIZEDTIME* this_update = nullptr;
  ASN1_GENERALIZEDTIME* next_update = nullptr;
  if (OCSP_resp_find_status(basic.get(), id.get(), &status, &reason, &revoked_at, &this_update,
                            &next_update) != 1) {
    ERR_clear_error();
    throw PkiError("the OCSP response says nothing about serial " + certificate.serial_hex());
  }
  if (OCSP_check_validity(this_update, next_update, kOcspClockSkewSeconds, -1) != 1) {
    ERR_clear_error();
    throw PkiError("the OCSP response for serial " + certificate.serial_hex() +
                   " is outside its validity window (thisUpdate/nextUpdate)");
  }
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

}  // namespace sc::pki
