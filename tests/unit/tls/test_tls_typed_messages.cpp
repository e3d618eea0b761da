// The typed reading of the ServerHello, HelloRetryRequest and CertificateRequest the client
// acts on (issue 17): suites, groups and schemes come out as enums (code points we do not know
// included), status_request as StatusRequest, malformed extensions as decode_error.
#include <catch2/catch.hpp>
#include <functional>

#include "common/tls/handshake/certificate_request.hpp"
#include "common/tls/handshake/server_hello.hpp"
#include "tests/unit/tls/alert_test_support.hpp"

using namespace sc;
using namespace sc::tls;
using sc::tls::testing::alert_of;

namespace {

ServerHello hello_with(Extensions extensions, std::uint16_t suite = 0x1301) {
  ServerHello hello;
  hello.random = Bytes(32, 0x5A);
  hello.cipher_suite = suite;
  hello.extensions = std::move(extensions);
  return hello;
}

}  // namespace

TEST_CASE("ServerHello: suite, version and key share come out typed", "[tls][codec]") {
  Extensions extensions;
  add_extension(extensions, ExtensionType::supported_versions, encode_selected_version(kTls13));
  add_extension(extensions, ExtensionType::key_share,
                encode_server_key_share({0x0017, Bytes(65, 0x04)}));
  const ServerHello hello = decode_server_hello(
      ByteView(encode_server_hello(hello_with(std::move(extensions)))).subspan(4));
  CHECK(known_cipher_suite(hello) == CipherSuite::TLS_AES_128_GCM_SHA256);
  CHECK(selected_version(hello) == kTls13);
  const std::optional<ServerKeyShare> share = server_key_share(hello);
  REQUIRE(share.has_value());
  CHECK(share->group == NamedGroup::secp256r1);
  CHECK(share->key_exchange == Bytes(65, 0x04));
}

TEST_CASE("ServerHello: absent, unknown and malformed extensions", "[tls][codec]") {
  CHECK_FALSE(known_cipher_suite(hello_with({}, 0xC02B)).has_value());
  CHECK_FALSE(selected_version(hello_with({})).has_value());
  CHECK_FALSE(server_key_share(hello_with({})).has_value());
  // A group no NamedGroup names keeps its code point, for the sentence that refuses it.
  Extensions unknown_group;
  add_extension(unknown_group, ExtensionType::key_share,
                encode_server_key_share({0x0019, Bytes(3, 1)}));
  CHECK(static_cast<std::uint16_t>(server_key_share(hello_with(unknown_group))->group) == 0x0019);
  Extensions malformed;
  add_extension(malformed, ExtensionType::key_share, Bytes{0x00});
  CHECK(alert_of([&] { server_key_share(hello_with(malformed)); }) ==
        AlertDescription::decode_error);
}

TEST_CASE("HelloRetryRequest: the selected group and the cookie to echo", "[tls][codec]") {
  Extensions extensions;
  add_extension(extensions, ExtensionType::key_share, encode_hello_retry_key_share(0x0018));
  add_extension(extensions, ExtensionType::cookie, encode_cookie(Bytes{1, 2, 3}));
  const HelloRetryRequestChanges changes = hello_retry_request_changes(hello_with(extensions));
  CHECK(changes.selected_group == NamedGroup::secp384r1);
  CHECK(changes.cookie == encode_cookie(Bytes{1, 2, 3}));  // the extension data, unchanged
  const HelloRetryRequestChanges none = hello_retry_request_changes(hello_with({}));
  CHECK_FALSE(none.selected_group.has_value());
  CHECK_FALSE(none.cookie.has_value());
}

TEST_CASE("CertificateRequest: schemes as SignatureScheme, status_request as StatusRequest",
          "[tls][codec]") {
  CertificateRequest request;
  add_extension(request.extensions, ExtensionType::signature_algorithms,
                encode_code_point_list({0x0804, 0x0403, 0x7777}));
  CertificateRequestTerms terms = certificate_request_terms(request);
  CHECK(terms.signature_schemes ==
        std::vector<crypto::SignatureScheme>{crypto::SignatureScheme::rsa_pss_rsae_sha256,
                                             crypto::SignatureScheme::ecdsa_secp256r1_sha256,
                                             static_cast<crypto::SignatureScheme>(0x7777)});
  CHECK(terms.status_request == StatusRequest::none);

  SECTION("an empty status_request asks for the OCSP staple (RFC 8446 section 4.4.2.1)") {
    add_extension(request.extensions, ExtensionType::status_request, {});
    CHECK(certificate_request_terms(request).status_request == StatusRequest::ocsp);
  }
  SECTION("a status_type other than ocsp is no request") {
    add_extension(request.extensions, ExtensionType::status_request, Bytes{0x02, 0, 0, 0, 0});
    CHECK(certificate_request_terms(request).status_request == StatusRequest::none);
  }
  SECTION("a malformed scheme list is decode_error") {
    request.extensions.front().data = Bytes{0x00, 0x03, 0x08, 0x04, 0x04};
    CHECK(alert_of([&] { certificate_request_terms(request); }) == AlertDescription::decode_error);
  }
}
