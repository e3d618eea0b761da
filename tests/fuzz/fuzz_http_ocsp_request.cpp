// libFuzzer target: the TTP's revocation endpoints over HTTP (ttp/revocation_endpoints.hpp), from
// the request-target and body a client sent to the OCSPResponse it gets: the routing, the
// percent-decoding and base64 of the GET form (RFC 6960 appendix A), the DER OCSPRequest parsing,
// the response cache and the signing of a real TtpService (a CA with a fixed root, a registry
// holding serial 0x1234 good and 0x5678 revoked).
//
// Input: byte 0 picks the request, the rest is its variable part:
//   0  POST /ocsp           body = rest
//   1  GET  /ocsp/<rest>    (the encoded request in the path; a query is dropped)
//   2  GET  <rest>          (any target: the routing)
//   3  another method on /ocsp/<rest>
// Checked besides the sanitizers: every answer on an OCSP route is HTTP 200 with a DER
// OCSPResponse; ocsp_request_from_path's result survives base64 + percent-encoding unchanged.
// Seeds (corpus/fuzz_http_ocsp_request): requests made with `openssl ocsp -issuer root.pem
// -serial 0x1234 -reqout ...` against the root below, in both forms, plus routing cases.
#include <openssl/ocsp.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/crypto/base64.hpp"
#include "common/net/http_message.hpp"
#include "common/pki/certificate_authority.hpp"
#include "common/pki/certificate_signing_request.hpp"
#include "ttp/crl_publisher.hpp"
#include "ttp/registry.hpp"
#include "ttp/revocation_endpoints.hpp"
#include "ttp/ttp_service.hpp"

namespace {

// A throw-away P-256 root made with the openssl CLI for this fuzz target only (never a real key):
// the seeds' CertIDs hash this name and key, so the fuzzer starts from requests about our CA.
constexpr const char* kRootKeyPem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgXC7PWll/0aXQKrzy
J+GVg0QDjKP4Ow+fuo/8HGRsE7OhRANCAAQSwvXoWDDwQg/opkn0/o0/aL5PwJdi
o6DCuaSn1qdWC+kwUgT792a6EO6DNhNelrGfrmDd0eQNe1qVFHStrK5z
-----END PRIVATE KEY-----
)";
constexpr const char* kRootPem = R"(-----BEGIN CERTIFICATE-----
MIICCjCCAa+gAwIBAgIUZA7GtBb8JXFJr7E2h8P2Ej3z3b8wCgYIKoZIzj0EAwIw
UjELMAkGA1UEBhMCREUxKjAoBgNVBAoMIVNlY3VyZUNoYW5uZWwgVHJ1c3RlZCBU
aGlyZCBQYXJ0eTEXMBUGA1UEAwwORnV6eiBIVFRQIFJvb3QwHhcNMjYxMjAyMTA1
OTEzWhcNNDYxMTI3MTA1OTEzWjBSMQswCQYDVQQGEwJERTEqMCgGA1UECgwhU2Vj
dXJlQ2hhbm5lbCBUcnVzdGVkIFRoaXJkIFBhcnR5MRcwFQYDVQQDDA5GdXp6IEhU
VFAgUm9vdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABBLC9ehYMPBCD+imSfT+
jT9ovk/Al2KjoMK5pKfWp1YL6TBSBPv3ZroQ7oM2E16WsZ+uYN3R5A17WpUUdK2s
rnOjYzBhMB8GA1UdIwQYMBaAFAQxbfTI1F4AdmH7XSS5ongpXfBlMA8GA1UdEwEB
/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQWBBQEMW30yNReAHZh+10k
uaJ4KV3wZTAKBggqhkjOPQQDAgNJADBGAiEA6D2Qa7jCRAxp3lZHlDa9+CIeC00l
y2hnD8ni7cgM8IYCIQDDfeGs5PnA58OGVZ/1jLLSPkZztxyU0PpKdWOUvKxQ5Q==
-----END CERTIFICATE-----
)";

namespace fs = std::filesystem;

void write_file(const fs::path& path, const char* text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) std::abort();
}

fs::path scratch_folder() {
  std::string pattern = (fs::temp_directory_path() / "fuzz-http-ocsp-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  static std::string removed_at_exit;
  removed_at_exit = pattern;
  std::atexit([] {
    std::error_code ignored;
    fs::remove_all(removed_at_exit, ignored);
  });
  return pattern;
}

// Everything lives until the process ends (libFuzzer exits without unwinding the harness).
struct Ttp {
  Ttp()
      : folder(scratch_folder()),
        authority(open_authority(folder)),
        registry(folder / "registry.db"),
        crl(authority, registry, folder / "crl.pem"),
        service(authority, registry, crl, {}, limits()),
        endpoints(service, authority.root()) {
    record(sc::pki::SerialNumber::from_hex("1234"));
    record(sc::pki::SerialNumber::from_hex("5678"));
    (void)registry.revoke(sc::pki::SerialNumber::from_hex("5678"),
                          sc::pki::RevocationReason::keyCompromise);
  }

  static sc::pki::CertificateAuthority open_authority(const fs::path& folder) {
    write_file(folder / sc::pki::CertificateAuthority::root_key_file, kRootKeyPem);
    ::chmod((folder / sc::pki::CertificateAuthority::root_key_file).c_str(), 0600);
    write_file(folder / sc::pki::CertificateAuthority::root_certificate_file, kRootPem);
    return sc::pki::CertificateAuthority::open(folder);
  }
  static sc::ttp::ServiceLimits limits() {
    sc::ttp::ServiceLimits limits;
    limits.status_rate = sc::ttp::RateLimit{1e9, 1e9};
    limits.refusal_journal.flush_interval = std::chrono::milliseconds(0);
    return limits;
  }
  void record(const sc::pki::SerialNumber& serial) {
    const auto key = sc::crypto::PrivateKey::generate_ecdsa(sc::crypto::EcCurve::P256);
    sc::pki::SubjectDetails subject;
    subject.common_name = "fuzz " + serial.hex();
    const auto csr = sc::pki::CertificateSigningRequest::create(subject, key);
    const auto certificate =
        authority.issue(csr, sc::pki::IssuanceProfile(sc::pki::Role::Customer, 30), serial);
    registry.record_service_certificate(certificate, "ECDSA 256");
  }

  fs::path folder;
  sc::pki::CertificateAuthority authority;
  sc::ttp::Registry registry;
  sc::ttp::CrlPublisher crl;
  sc::ttp::TtpService service;
  sc::ttp::RevocationEndpoints endpoints;
};

Ttp& ttp() {
  static Ttp* instance = [] {
    spdlog::set_level(spdlog::level::off);
    return new Ttp();
  }();
  return *instance;
}

bool is_ocsp_response(const std::string& der) {
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  OCSP_RESPONSE* response = d2i_OCSP_RESPONSE(nullptr, &cursor, static_cast<long>(der.size()));
  const bool whole = response != nullptr &&
                     cursor == reinterpret_cast<const unsigned char*>(der.data() + der.size());
  OCSP_RESPONSE_free(response);
  return whole;
}

std::string percent_encoded(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string encoded;
  for (const unsigned char c : text) {
    encoded += '%';
    encoded += hex[c >> 4];
    encoded += hex[c & 15];
  }
  return encoded;
}

// A decoded GET path is the base64 of its DER, whatever the encoding: it decodes to the same
// bytes when encoded again the canonical way.
void check_round_trip(const std::string& encoded) {
  const auto der = sc::ttp::ocsp_request_from_path(encoded);
  if (!der) return;
  const std::string canonical = percent_encoded(sc::crypto::base64_encode(*der));
  if (sc::ttp::ocsp_request_from_path(canonical) != der) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  sc::net::HttpRequest request;
  request.peer = "192.0.2.1:40000";
  request.source_address = "192.0.2.1";
  bool ocsp_route = true;
  switch (data[0] % 4) {
    case 0:
      request.method = "POST";
      request.target = "/ocsp";
      request.body = rest;
      break;
    case 1:
      request.method = "GET";
      request.target = "/ocsp/" + rest;
      check_round_trip(rest);
      break;
    case 2:
      request.method = "GET";
      request.target = rest;
      ocsp_route = false;
      break;
    default:
      request.method = data[0] & 4 ? "PUT" : "HEAD";
      request.target = "/ocsp/" + rest;
      ocsp_route = false;
      break;
  }
  const sc::net::HttpResponse answer = ttp().endpoints.answer(request);
  if (ocsp_route) {
    if (answer.status != 200 || answer.content_type != "application/ocsp-response" ||
        !is_ocsp_response(answer.body)) {
      std::abort();  // an OCSP route always answers with an OCSPResponse
    }
  } else if (answer.status < 200 || answer.status > 599) {
    std::abort();
  }
  return 0;
}
