// The TTP's revocation endpoints over HTTP, in memory (RevocationEndpoints, no socket): OCSP by
// POST and by the GET form of RFC 6960 appendix A answered from the same cache and under the
// same per-source rate limit as OCSP over the channel, malformedRequest and tryLater answers,
// the DER CRL and CA certificate, 404 and 405, and the publication URLs in enrolled
// certificates.
#include <catch2/catch.hpp>

#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/crypto/base64.hpp"
#include "common/pki/revocation.hpp"
#include "tests/unit/ttp/ttp_fixture.hpp"
#include "ttp/crl_publisher.hpp"
#include "ttp/registry.hpp"
#include "ttp/revocation_endpoints.hpp"
#include "ttp/ttp_service.hpp"

using namespace sc;
using namespace sc::ttp;
using namespace std::chrono_literals;

namespace {

ServiceLimits generous_limits() {
  ServiceLimits limits;
  limits.status_rate = RateLimit{1e6, 1e6};
  limits.enroll_rate = RateLimit{1e6, 1e6};
  limits.refusal_journal.flush_interval = 0ms;
  return limits;
}

IssuancePolicy publishing_policy() {
  IssuancePolicy policy;
  policy.publication = pki::PublicationUrls::under("http://127.0.0.1:8080");
  return policy;
}

struct HttpTtp {
  explicit HttpTtp(ServiceLimits limits = generous_limits(), IssuancePolicy policy = {})
      : authority(test::test_authority(folder / "ca")),
        registry(folder / "ca" / "registry.db"),
        crl(authority, registry, folder / "ca" / "crl.pem"),
        service(authority, registry, crl, policy, std::move(limits)),
        endpoints(service, authority.root()) {}

  net::HttpResponse http(const std::string& method, const std::string& target,
                         const std::string& body = "", const std::string& address = "127.0.0.1") {
    net::HttpRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    request.content_type = "application/ocsp-request";
    request.peer = address + ":40000";
    request.source_address = address;
    return endpoints.answer(request);
  }

  pki::Certificate enroll(const std::string& name) {
    const auto token = registry.create_token(pki::Role::Customer, name, 1h).token;
    TtpConnection connection(service, "127.0.0.1:40000");
    connection.receive(
        as_bytes("ENROLL customer " + token + "\n" + test::in_process_csr(name).to_pem()));
    const auto answer = connection.next_answer();
    REQUIRE(answer);
    REQUIRE(answer->rfind("OK ENROLLED", 0) == 0);
    return pki::Certificate::from_pem(answer->substr(answer->find("-----BEGIN CERTIFICATE-----")));
  }

  test::TempFolder folder;
  pki::CertificateAuthority authority;
  Registry registry;
  CrlPublisher crl;
  TtpService service;
  RevocationEndpoints endpoints;
};

std::string text_of(const Bytes& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Bytes bytes_of(const std::string& text) {
  return Bytes(text.begin(), text.end());
}

// RFC 3986 percent-encoding of everything but unreserved characters, as a careful client does.
std::string url_encoded(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string encoded;
  for (const unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded.push_back(static_cast<char>(c));
    } else {
      encoded += '%';
      encoded += hex[c >> 4];
      encoded += hex[c & 15];
    }
  }
  return encoded;
}

// responseStatus of a DER OCSPResponse (RFC 6960 section 4.2.1); -1 when it does not parse.
int ocsp_status_of(const std::string& der) {
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  OCSP_RESPONSE* response = d2i_OCSP_RESPONSE(nullptr, &cursor, static_cast<long>(der.size()));
  if (response == nullptr) return -1;
  const int status = OCSP_response_status(response);
  OCSP_RESPONSE_free(response);
  return status;
}

std::string field(const net::HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.fields) {
    if (key == name) return value;
  }
  return "";
}

}  // namespace

TEST_CASE("ocsp_request_from_path decodes the GET form of RFC 6960 appendix A", "[ttp][http]") {
  const Bytes der = {0x30, 0x03, 0xfb, 0xef, 0xff, 0x3e};  // base64 "MAP77/8+" has '/' and '+'
  const std::string base64 = crypto::base64_encode(der);
  REQUIRE(base64 == "MAP77/8+");
  CHECK(ocsp_request_from_path(url_encoded(base64)) == der);
  CHECK(ocsp_request_from_path(base64) == der);  // '/' and '+' left as they are
  CHECK(ocsp_request_from_path("MAP77%2f8%2B") == der);
  const Bytes padded = {0x30, 0x00};  // "MAA="
  CHECK(ocsp_request_from_path("MAA%3D") == padded);
  CHECK(ocsp_request_from_path("MAA") == padded);  // padding dropped by the client
  for (const char* bad : {"", "%", "%4", "%zz", "MA%G0", "M", "!!!!", "MAA=MAA=", "MA A"}) {
    INFO(bad);
    CHECK_FALSE(ocsp_request_from_path(bad));
  }
}

TEST_CASE("OCSP by POST and by GET share the cache with OCSP over the channel",
          "[ttp][http][ocsp]") {
  HttpTtp ttp;
  const pki::Certificate leaf = ttp.enroll("alice");
  const Bytes request = pki::make_ocsp_request(leaf, ttp.authority.root(), /*with_nonce=*/false);

  const net::HttpResponse posted = ttp.http("POST", "/ocsp", text_of(request));
  CHECK(posted.status == 200);
  CHECK(posted.content_type == "application/ocsp-response");
  CHECK(pki::verify_ocsp_response(bytes_of(posted.body), leaf, ttp.authority.root(), request)
            .is_good());
  const auto signatures = ttp.service.signature_count();

  const net::HttpResponse fetched =
      ttp.http("GET", "/ocsp/" + url_encoded(crypto::base64_encode(request)));
  CHECK(fetched.status == 200);
  CHECK(fetched.content_type == "application/ocsp-response");
  CHECK(pki::verify_ocsp_response(bytes_of(fetched.body), leaf, ttp.authority.root(), request)
            .is_good());
  CHECK(fetched.body == posted.body);  // the cached response
  // The absolute form (through a proxy) and a query (a cache buster) change nothing.
  const net::HttpResponse proxied = ttp.http(
      "GET", "http://127.0.0.1:8080/ocsp/" + url_encoded(crypto::base64_encode(request)) + "?n=1");
  CHECK(proxied.body == posted.body);
  CHECK(ttp.service.signature_count() == signatures);

  // A nonce makes the answer unique: signed fresh, nonce echoed.
  const Bytes with_nonce = pki::make_ocsp_request(leaf, ttp.authority.root(), true);
  const net::HttpResponse fresh = ttp.http("POST", "/ocsp/", text_of(with_nonce));
  CHECK(pki::verify_ocsp_response(bytes_of(fresh.body), leaf, ttp.authority.root(), with_nonce)
            .is_good());
  CHECK(ttp.service.signature_count() == signatures + 1);

  SECTION("a revocation in the registry shows at the next answer") {
    REQUIRE(ttp.registry.revoke(leaf.serial(), pki::RevocationReason::keyCompromise) ==
            RevokeOutcome::Revoked);
    const net::HttpResponse revoked = ttp.http("POST", "/ocsp", text_of(request));
    const auto status =
        pki::verify_ocsp_response(bytes_of(revoked.body), leaf, ttp.authority.root(), request);
    CHECK(status.is_revoked());
    CHECK(status.reason == pki::RevocationReason::keyCompromise);
  }
}

TEST_CASE("what is not an OCSP request gets an OCSPResponse malformedRequest, HTTP 200",
          "[ttp][http][ocsp]") {
  HttpTtp ttp;
  const auto signatures = ttp.service.signature_count();
  for (const std::string& body : {std::string(), std::string("garbage"), std::string(1000, '\0'),
                                  std::string("\x30\x80\x30\x80", 4)}) {
    const net::HttpResponse answer = ttp.http("POST", "/ocsp", body);
    CHECK(answer.status == 200);
    CHECK(answer.content_type == "application/ocsp-response");
    CHECK(ocsp_status_of(answer.body) == OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
  }
  for (const char* target : {"/ocsp/%zz", "/ocsp/!!!!", "/ocsp/Z2FyYmFnZQ%3D%3D"}) {
    INFO(target);
    const net::HttpResponse answer = ttp.http("GET", target);
    CHECK(answer.status == 200);
    CHECK(ocsp_status_of(answer.body) == OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
  }
  CHECK(ocsp_status_of(ttp.http("GET", "/ocsp").body) == OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
  CHECK(ttp.service.signature_count() == signatures);
}

TEST_CASE("OCSP over HTTP counts against the same per-source limit: tryLater beyond it",
          "[ttp][http][limits]") {
  ServiceLimits limits = generous_limits();
  limits.status_rate = RateLimit{0.001, 3};
  HttpTtp ttp(limits);
  const pki::Certificate leaf = ttp.enroll("bob");
  const std::string request = text_of(pki::make_ocsp_request(leaf, ttp.authority.root(), false));
  for (int i = 0; i < 2; ++i) {
    CHECK(ocsp_status_of(ttp.http("POST", "/ocsp", request).body) ==
          OCSP_RESPONSE_STATUS_SUCCESSFUL);
  }
  // The channel's STATUS takes from the same bucket: the third token.
  TtpConnection channel(ttp.service, "127.0.0.1:40001");
  channel.receive(as_bytes("STATUS " + leaf.serial_hex() + "\n"));
  REQUIRE(channel.next_answer()->rfind("OK STATUS good", 0) == 0);

  const net::HttpResponse refused = ttp.http("POST", "/ocsp", request);
  CHECK(refused.status == 200);
  CHECK(ocsp_status_of(refused.body) == OCSP_RESPONSE_STATUS_TRYLATER);
  // Another address has its own bucket.
  CHECK(ocsp_status_of(ttp.http("POST", "/ocsp", request, "192.0.2.9").body) ==
        OCSP_RESPONSE_STATUS_SUCCESSFUL);
  // The CRL and the CA certificate are not rate limited.
  CHECK(ttp.http("GET", "/ca.crl").status == 200);
  CHECK(ttp.http("GET", "/ca.crt").status == 200);
}

TEST_CASE("the CRL and the CA certificate are served in DER", "[ttp][http][crl]") {
  HttpTtp ttp;
  const pki::Certificate leaf = ttp.enroll("carol");
  REQUIRE(ttp.registry.revoke(leaf.serial(), pki::RevocationReason::superseded) ==
          RevokeOutcome::Revoked);
  ttp.crl.publish();

  const net::HttpResponse crl = ttp.http("GET", "/ca.crl");
  CHECK(crl.status == 200);
  CHECK(crl.content_type == "application/pkix-crl");
  const auto* cursor = reinterpret_cast<const unsigned char*>(crl.body.data());
  X509_CRL* parsed = d2i_X509_CRL(nullptr, &cursor, static_cast<long>(crl.body.size()));
  REQUIRE(parsed != nullptr);
  CHECK(X509_CRL_verify(parsed, X509_get0_pubkey(ttp.authority.root().native())) == 1);
  REQUIRE(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(parsed)) == 1);
  X509_CRL_free(parsed);

  const net::HttpResponse ca = ttp.http("GET", "/ca.crt");
  CHECK(ca.status == 200);
  CHECK(ca.content_type == "application/pkix-cert");
  CHECK(bytes_of(ca.body) == ttp.authority.root().to_der());
  CHECK(ttp.http("HEAD", "/ca.crt").status == 200);
}

TEST_CASE("unknown paths get 404, other methods 405 with Allow", "[ttp][http]") {
  HttpTtp ttp;
  for (const char* path : {"/", "/ocs", "/ocspx", "/ca.pem", "/crl", "/../ca.key"}) {
    INFO(path);
    CHECK(ttp.http("GET", path).status == 404);
  }
  const net::HttpResponse put = ttp.http("PUT", "/ocsp", "x");
  CHECK(put.status == 405);
  CHECK(field(put, "Allow") == "POST, GET");
  const net::HttpResponse post_get_form = ttp.http("POST", "/ocsp/MAA%3D", "x");
  CHECK(post_get_form.status == 405);
  CHECK(field(post_get_form, "Allow") == "GET");
  const net::HttpResponse post_crl = ttp.http("POST", "/ca.crl", "x");
  CHECK(post_crl.status == 405);
  CHECK(field(post_crl, "Allow") == "GET, HEAD");
  CHECK(ttp.http("DELETE", "/ca.crt").status == 405);
}

TEST_CASE("with publication URLs, enrolled certificates name the OCSP, CA and CRL URLs",
          "[ttp][http][issue]") {
  HttpTtp ttp(generous_limits(), publishing_policy());
  const pki::Certificate leaf = ttp.enroll("dora");
  auto* access = static_cast<AUTHORITY_INFO_ACCESS*>(
      X509_get_ext_d2i(leaf.native(), NID_info_access, nullptr, nullptr));
  REQUIRE(access != nullptr);
  CHECK(sk_ACCESS_DESCRIPTION_num(access) == 2);
  AUTHORITY_INFO_ACCESS_free(access);
  auto* points = static_cast<CRL_DIST_POINTS*>(
      X509_get_ext_d2i(leaf.native(), NID_crl_distribution_points, nullptr, nullptr));
  REQUIRE(points != nullptr);
  CRL_DIST_POINTS_free(points);

  HttpTtp plain;
  const pki::Certificate without = plain.enroll("erin");
  CHECK(X509_get_ext_by_NID(without.native(), NID_info_access, -1) < 0);
  CHECK(X509_get_ext_by_NID(without.native(), NID_crl_distribution_points, -1) < 0);
}
