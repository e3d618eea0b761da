#pragma once
// The TTP's revocation endpoints over plain HTTP (RFC 6960 appendix A, RFC 5280 sections
// 4.2.1.13 and 4.2.2.1), sans-IO: an HttpRequest in, an HttpResponse out. `ttp serve
// --http-listen` serves them with net::HttpListener (ttp/revocation_http_server.hpp); the URLs
// in every certificate the TTP issues (pki::PublicationUrls) point here.
//
//   POST /ocsp          body: a DER OCSPRequest (Content-Type application/ocsp-request)
//   GET  /ocsp/{url-encoding of the base64 of a DER OCSPRequest}
//        -> 200 application/ocsp-response: the TtpService's answer (same cache, same rate limit
//           per source address as OCSP over the channel); an OCSPResponse with status
//           malformedRequest for anything that is not an OCSPRequest, tryLater over the limit
//   GET  /ca.crl        -> 200 application/pkix-crl, the current CRL in DER (RFC 5280 section 5)
//   GET  /ca.crt        -> 200 application/pkix-cert, the CA certificate in DER
//   another path -> 404; another method -> 405 with Allow (HEAD is allowed where GET is, except
//   for OCSP: an answer costs a signature)
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto/bytes.hpp"
#include "common/net/http_message.hpp"
#include "common/pki/certificate.hpp"
#include "ttp/ttp_service.hpp"

namespace sc::ttp {

// The DER OCSPRequest in the path of a GET, the part after "/ocsp/": percent-decoded (RFC 3986
// section 2.1; '/', '+' and '=' are taken as they are, encoded or not, as clients differ), then
// base64-decoded (RFC 4648 section 4; missing '=' padding is tolerated). nullopt when either
// fails or the result is empty.
std::optional<Bytes> ocsp_request_from_path(std::string_view encoded);

// The body of a DER CRL from its PEM form; throws std::runtime_error when it does not parse.
std::string crl_der_from_pem(const std::string& pem);

class RevocationEndpoints {
 public:
  static constexpr std::string_view ocsp_media_type = "application/ocsp-response";
  static constexpr std::string_view crl_media_type = "application/pkix-crl";
  static constexpr std::string_view certificate_media_type = "application/pkix-cert";

  RevocationEndpoints(TtpService& service, const pki::Certificate& ca_certificate);

  // Thread-safe (the TtpService serialises what needs it).
  net::HttpResponse answer(const net::HttpRequest& request);

 private:
  net::HttpResponse ocsp_post(const net::HttpRequest& request);
  net::HttpResponse ocsp_get(const net::HttpRequest& request, std::string_view encoded);
  net::HttpResponse ocsp_answer(ByteView request_der, const net::HttpRequest& request);
  net::HttpResponse crl();

  TtpService& service_;
  std::string ca_der_;
};

}  // namespace sc::ttp
