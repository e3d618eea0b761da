#pragma once
// Revocation: reasons (RFC 5280 section 5.3.1), the status a lookup answers, and the OCSP
// requester side (RFC 6960). The CA side (CRL and OCSP response signing) is in
// certificate_authority.hpp.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "common/crypto/bytes.hpp"
#include "common/pki/certificate.hpp"
#include "common/pki/serial_number.hpp"

namespace sc::pki {

// CRLReason codes, RFC 5280 section 5.3.1 (value 7 is not used).
enum class RevocationReason {
  unspecified = 0,
  keyCompromise = 1,
  cACompromise = 2,
  affiliationChanged = 3,
  superseded = 4,
  cessationOfOperation = 5,
  certificateHold = 6,
  removeFromCRL = 8,
  privilegeWithdrawn = 9,
  aACompromise = 10,
};
const char* revocation_reason_name(RevocationReason reason);  // "keyCompromise", ...
std::optional<RevocationReason> revocation_reason_from_name(std::string_view name);
std::optional<RevocationReason> revocation_reason_from_code(int code);

struct RevocationStatus {
  enum class State { Good, Revoked, Unknown };
  State state = State::Unknown;
  TimePoint revoked_at{};                                   // when Revoked
  RevocationReason reason = RevocationReason::unspecified;  // when Revoked

  static RevocationStatus good() { return {State::Good, {}, RevocationReason::unspecified}; }
  static RevocationStatus unknown() { return {State::Unknown, {}, RevocationReason::unspecified}; }
  static RevocationStatus revoked(TimePoint at, RevocationReason why) {
    return {State::Revoked, at, why};
  }
  bool is_good() const { return state == State::Good; }
  bool is_revoked() const { return state == State::Revoked; }
};

struct RevokedEntry {
  SerialNumber serial;
  TimePoint revoked_at;
  RevocationReason reason = RevocationReason::unspecified;
};

// The CA's view: status of one of its serials.
using RevocationLookup = std::function<RevocationStatus(const SerialNumber&)>;

// OCSP request (RFC 6960 section 4.1) for cert issued by issuer, CertID hashed with SHA-1
// (the algorithm every responder supports), with a random nonce extension when with_nonce.
Bytes make_ocsp_request(const Certificate& certificate, const Certificate& issuer,
                        bool with_nonce = true);
// The same for a serial of issuer when the certificate itself is not at hand.
Bytes make_ocsp_request(const SerialNumber& serial, const Certificate& issuer,
                        bool with_nonce = true);

// Checks an OCSP response for certificate: responseStatus successful, signature by the issuer
// (or by a responder certificate the issuer delegated with id-kp-OCSPSigning), the CertID
// matches, thisUpdate not in the future (5 minutes leeway), nextUpdate (when present) not
// passed; when request_der is given and carries a nonce, the response must echo it.
// Returns the status; throws PkiError with a sentence when the response cannot be trusted.
RevocationStatus verify_ocsp_response(ByteView response_der, const Certificate& certificate,
                                      const Certificate& issuer, ByteView request_der = {});

// When the first SingleResponse of an OCSP response was produced and until when it holds, so
// that a holder of a staple knows when to fetch the next one. Throws PkiError when the
// response does not parse, is not "successful", or holds no SingleResponse.
struct OcspResponseTimes {
  TimePoint this_update;
  std::optional<TimePoint> next_update;
};
OcspResponseTimes ocsp_response_times(ByteView response_der);

// Checks an OCSP response the peer stapled to its certificate (RFC 8446 section 4.4.2.1),
// offline, as of now: the checks of verify_ocsp_response (signature by the issuer or its
// delegated responder, CertID, thisUpdate not more than 5 minutes ahead) except the nonce (a
// staple answers no request of ours, so it carries none), plus: nextUpdate MUST be present
// (without it nothing bounds how long a replayed staple would be believed; RFC 6960
// section 4.2.2.1 "newer information is available all the time" does not suit a staple) and
// not passed (the same 5 minutes of leeway for clocks). Returns the status (Unknown included:
// the caller decides what an unknown status means); throws PkiError with a sentence when the
// staple cannot be trusted.
RevocationStatus verify_stapled_ocsp_response(ByteView response_der, const Certificate& certificate,
                                              const Certificate& issuer,
                                              TimePoint now = std::chrono::system_clock::now());

}  // namespace sc::pki
