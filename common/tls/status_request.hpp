#pragma once
// status_request (RFC 6066 section 8, RFC 8446 section 4.4.2.1): whether a peer is asked to
// staple an OCSP response for its certificate.

namespace sc::tls {

enum class StatusRequest { none, ocsp };

}  // namespace sc::tls
