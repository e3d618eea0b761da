#include "ttp/revocation_endpoints.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

#include "common/crypto/base64.hpp"
#include "common/crypto/openssl_ptr.hpp"
#include "common/pki/issuance_profile.hpp"

namespace sc::ttp {
namespace {

using pki::PublicationUrls;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 section 2.1; nullopt for a '%' not followed by two hex digits.
std::optional<std::string> percent_decoded(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      decoded.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    decoded.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return decoded;
}

std::string as_text(ByteView bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

net::HttpResponse not_allowed(const net::HttpRequest& request, std::string allowed) {
  // RFC 9110 section 15.5.6: a 405 MUST carry Allow.
  return net::HttpResponse::text(405, request.method.substr(0, 16) + " is not allowed on " +
                                          std::string(request.path().substr(0, 64)) +
                                          "; allowed: " + allowed)
      .with_field("Allow", allowed);
}

bool is_get_or_head(const net::HttpRequest& request) {
  return request.method == "GET" || request.method == "HEAD";
}

}  // namespace

std::optional<Bytes> ocsp_request_from_path(std::string_view encoded) {
  auto text = percent_decoded(encoded);
  if (!text || text->empty()) return std::nullopt;
  // Some clients drop base64's '=' padding; put it back (at most two are ever missing).
  if (text->size() % 4 == 2) {
    text->append("==");
  } else if (text->size() % 4 == 3) {
    text->push_back('=');
  }
  auto der = crypto::base64_decode(*text);
  if (!der || der->empty()) return std::nullopt;
  return der;
}

std::string crl_der_from_pem(const std::string& pem) {
  crypto::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  crypto::X509CrlPtr crl(bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)
                             : nullptr);
  if (!crl) {
    ERR_clear_error();
    throw std::runtime_error("the published CRL cannot be read as PEM");
  }
  const int length = i2d_X509_CRL(crl.get(), nullptr);
  if (length <= 0) throw std::runtime_error("the published CRL cannot be encoded as DER");
  std::string der(static_cast<std::size_t>(length), '\0');
  auto* cursor = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_X509_CRL(crl.get(), &cursor) != length) {
    throw std::runtime_error("the published CRL cannot be encoded as DER");
  }
  return der;
}

RevocationEndpoints::RevocationEndpoints(TtpService& service,
                                         const pki::Certificate& ca_certificate)
    : service_(service), ca_der_(as_text(ca_certificate.to_der())) {}

net::HttpResponse RevocationEndpoints::answer(const net::HttpRequest& request) {
  const std::string_view path = request.path();
  const std::string_view ocsp = PublicationUrls::ocsp_path;
  if (path == ocsp || (path.size() == ocsp.size() + 1 && path.substr(0, ocsp.size()) == ocsp &&
                       path.back() == '/')) {
    if (request.method == "POST") return ocsp_post(request);
    // A GET without a request in its path asks about nothing.
    if (request.method == "GET") return ocsp_get(request, "");
    return not_allowed(request, "POST, GET");
  }
  if (path.size() > ocsp.size() + 1 && path.substr(0, ocsp.size() + 1) == std::string(ocsp) + "/") {
    if (request.method != "GET") return not_allowed(request, "GET");
    // The path only: base64 never holds '?', so a query (a client's cache buster) is no part of
    // the request.
    return ocsp_get(request, path.substr(ocsp.size() + 1));
  }
  if (path == PublicationUrls::crl_path) {
    if (!is_get_or_head(request)) return not_allowed(request, "GET, HEAD");
    return crl();
  }
  if (path == PublicationUrls::ca_issuers_path) {
    if (!is_get_or_head(request)) return not_allowed(request, "GET, HEAD");
    return net::HttpResponse::binary(std::string(certificate_media_type), ca_der_);
  }
  return net::HttpResponse::text(404, "no such resource; this TTP serves " + std::string(ocsp) +
                                          ", " + PublicationUrls::crl_path + " and " +
                                          PublicationUrls::ca_issuers_path);
}

net::HttpResponse RevocationEndpoints::ocsp_post(const net::HttpRequest& request) {
  return ocsp_answer(as_bytes(request.body), request);
}

net::HttpResponse RevocationEndpoints::ocsp_get(const net::HttpRequest& request,
                                                std::string_view encoded) {
  const auto der = ocsp_request_from_path(encoded);
  if (!der) {
    spdlog::info("{}: the OCSP GET path is not the base64 of a request ({} characters)",
                 request.peer, encoded.size());
    // Answered by the TtpService all the same (an empty request is malformedRequest), so that
    // the rate limit counts it as it counts every OCSP question.
    return ocsp_answer(ByteView{}, request);
  }
  return ocsp_answer(*der, request);
}

net::HttpResponse RevocationEndpoints::ocsp_answer(ByteView request_der,
                                                   const net::HttpRequest& request) {
  const RequestSource source{request.peer, request.source_address, {}};
  const Bytes response = service_.answer_ocsp_request(request_der, source);
  // RFC 6960 appendix A.2: the answer to every OCSP request, malformed ones included, is an
  // OCSPResponse with this media type (HTTP 200: the HTTP exchange itself succeeded).
  return net::HttpResponse::binary(std::string(ocsp_media_type), as_text(response));
}

net::HttpResponse RevocationEndpoints::crl() {
  return net::HttpResponse::binary(std::string(crl_media_type),
                                   crl_der_from_pem(service_.current_crl_pem()));
}

}  // namespace sc::ttp
